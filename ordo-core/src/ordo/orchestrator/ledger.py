"""The order ledger as the order path uses it: every leg is on disk before the broker is
called, settled afterwards, and reconciled when an earlier attempt's outcome is open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ordo.audit.events import AuditEmitter
from ordo.context import current_algo, current_request_id
from ordo.domain import AccountResult, Order, ResultStatus
from ordo.domain.ledger import OPEN_STATES, LedgerLeg, LegChanges, LegState, Settlement
from ordo.errors import BrokerError
from ordo.jobs import Job, every
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.guard import CallGuard
from ordo.orchestrator.sending import find_by_tag
from ordo.persistence.db import Database
from ordo.persistence.ledger import (
    leg_by_order_on,
    leg_values,
    legs_for_request_on,
    unknown_legs_on,
)
from ordo.safety.deadline import Deadline
from ordo.safety.retry import RetryPolicy

NOT_IN_BOOK = "not in the broker's book: never took effect"


class Ledger:
    """Ledger operations, one short transaction each (``Database.transact``)."""

    def __init__(self, db: Database, guard: CallGuard, emitter: AuditEmitter) -> None:
        self.db = db
        self.guard = guard
        self.emitter = emitter

    async def open_leg(
        self, account: Account, request: dict[str, Any], tag: str, scope: str, key: str, leg: int
    ) -> int:
        """Record a leg as ``sent`` and return its id: it goes to the broker right after
        this returns, and the row is committed before it does."""
        values = _new_leg(account, request, tag, scope, key, leg, LegState.SENT)
        return await self.db.transact(lambda s: s.add_leg(values))

    async def record_rejection(
        self,
        account: Account,
        request: dict[str, Any],
        tag: str,
        scope: str,
        key: str,
        leg: int,
        changes: LegChanges,
    ) -> None:
        """A leg refused before any broker call: recorded, never sent."""
        values = _new_leg(account, request, tag, scope, key, leg, LegState.REJECTED)
        values.update(error_code=changes.error_code, message=changes.message)
        if changes.state is not None:
            values["state"] = changes.state
        await self.db.transact(lambda s: s.add_leg(values))

    async def settle(self, settlement: Settlement) -> None:
        """Write one leg's outcome now, in a transaction of its own."""
        await self.db.transact(settlement.apply)

    async def legs_for_request(self, request_id: str) -> list[LedgerLeg]:
        return await self.db.run(lambda c: legs_for_request_on(c, request_id))

    async def legs_by_tags(self, tags: Sequence[str]) -> dict[str, list[LedgerLeg]]:
        """Earlier legs sent with ``tags``, oldest first, for legs known only once the work
        has run: the children of a sliced leg, the exits of positions read from the broker
        (read under the request's claim)."""
        wanted = list(tags)
        return await self.db.transact(lambda s: s.legs_by_tags(wanted))

    async def find_by_order(self, account: str, order_id: str) -> LedgerLeg | None:
        return await self.db.run(lambda c: leg_by_order_on(c, account, order_id))

    async def reconcile_prior(
        self,
        account: Account,
        tag: str,
        earlier: Sequence[LedgerLeg],
        deadline: Deadline,
        policy: RetryPolicy,
    ) -> AccountResult | None:
        """Settle earlier attempts of the same leg (same tag) before sending again.

        ``earlier`` is the tag's legs, read under the idempotency claim. An acknowledged
        attempt, or an open one the broker's book shows, is the answer: the order exists
        and must not be sent twice. ``None`` means send.
        """
        prior = [e for e in earlier if e.account == account.name]
        done = [e for e in prior if e.state == LegState.ACKNOWLEDGED and e.broker_order_id]
        if done:
            return _existing(account, tag, done[-1].broker_order_id or "")
        open_legs = [e for e in prior if e.state in OPEN_STATES]
        if not open_legs:
            return None
        found = await find_by_tag(self.guard, account, tag, deadline=deadline, policy=policy)
        if isinstance(found, Order):
            for entry in open_legs:
                await self.settle(_acknowledged(entry, found.order_id))
            return _existing(account, tag, found.order_id)
        for entry in open_legs:
            await self.settle(_absent(entry))
        return None

    def jobs(self, accounts: AccountSet, policy: RetryPolicy, interval: float) -> list[Job]:
        """Settle ``unknown`` legs by their tags every ``interval`` seconds."""

        async def reconcile() -> int:
            return await self.reconcile_unknown({a.name: a for a in accounts}, policy)

        return [every(interval, reconcile)]

    async def reconcile_unknown(self, accounts: dict[str, Account], policy: RetryPolicy) -> int:
        """Background pass: settle ``unknown`` legs by their tag; returns how many settled."""
        unknown = await self.db.run(unknown_legs_on)
        settled = 0
        for entry in unknown:
            account = accounts.get(entry.account)
            if account is None or not entry.broker_tag:
                continue
            try:
                found = await find_by_tag(
                    self.guard,
                    account,
                    entry.broker_tag,
                    deadline=Deadline.after(5.0),
                    policy=policy,
                )
            except BrokerError:
                continue
            if isinstance(found, Order):
                await self.settle(_acknowledged(entry, found.order_id))
                outcome = {"state": "acknowledged", "order_id": found.order_id}
            else:
                await self.settle(_absent(entry))
                outcome = {"state": "failed"}
            settled += 1
            self.emitter.emit(
                "order.reconciled",
                request_id=entry.request_id,
                account=entry.account,
                tag=entry.broker_tag,
                **outcome,
            )
        return settled


def _acknowledged(entry: LedgerLeg, order_id: str) -> Settlement:
    return Settlement(entry.id, LegChanges(state=LegState.ACKNOWLEDGED, broker_order_id=order_id))


def _absent(entry: LedgerLeg) -> Settlement:
    return Settlement(entry.id, LegChanges(state=LegState.FAILED, message=NOT_IN_BOOK))


def _new_leg(
    account: Account,
    request: dict[str, Any],
    tag: str,
    scope: str,
    key: str,
    leg: int,
    state: LegState,
) -> dict[str, Any]:
    return leg_values(
        request_id=current_request_id() or "",
        account=account.name,
        adapter=account.adapter_id,
        request=request,
        leg=leg,
        broker_tag=tag,
        idempotency_scope=scope,
        idempotency_key=key,
        state=state,
        algo=current_algo(),
    )


def _existing(account: Account, tag: str, order_id: str) -> AccountResult:
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.SUCCESS,
        data={"order_id": order_id, "tag": tag, "message": "already placed", "reconciled": True},
    )
