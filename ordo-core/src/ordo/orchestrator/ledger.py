"""The order ledger as the order path uses it: every leg is on disk before the broker is
called, settled afterwards, and reconciled when an earlier attempt's outcome is open."""

from __future__ import annotations

from typing import Any

from ordo.adapters.errors import BrokerError
from ordo.audit.events import AuditEmitter
from ordo.context import current_request_id
from ordo.domain import AccountResult, Order, ResultStatus
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.guard import BrokerGateway
from ordo.orchestrator.sending import find_by_tag
from ordo.persistence.db import Database
from ordo.persistence.ledger import LedgerRepository, leg_values
from ordo.persistence.statements import LegChanges, Settlement
from ordo.persistence.tables import LedgerEntry, LegState
from ordo.safety.deadline import Deadline
from ordo.safety.retry import RetryPolicy

OPEN_STATES = (LegState.PENDING, LegState.SENT, LegState.UNKNOWN)


def describe_leg(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "account": entry.account,
        "adapter": entry.adapter,
        "leg": entry.leg,
        "state": str(entry.state),
        "broker_tag": entry.broker_tag,
        "broker_order_id": entry.broker_order_id,
        "request": entry.request,
        "response": entry.response,
        "error_code": entry.error_code,
        "message": entry.message,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


class Ledger:
    """Ledger operations, one short transaction each (``Database.transact``)."""

    def __init__(self, db: Database, gateway: BrokerGateway, emitter: AuditEmitter) -> None:
        self.db = db
        self.gateway = gateway
        self.emitter = emitter

    async def open_leg(
        self,
        account: Account,
        request: dict[str, Any],
        tag: str,
        scope: str,
        key: str,
        leg: int,
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
        code: str,
        message: str,
    ) -> None:
        """A leg refused by a pre-trade check: recorded, never sent."""
        values = _new_leg(account, request, tag, scope, key, leg, LegState.REJECTED)
        values.update(error_code=code, message=message)
        await self.db.transact(lambda s: s.add_leg(values))

    async def settle(
        self,
        entry: LedgerEntry | int,
        state: LegState,
        *,
        broker_order_id: str | None = None,
        response: dict[str, Any] | None = None,
        error_code: str | None = None,
        message: str | None = None,
        later: list[Settlement] | None = None,
    ) -> None:
        """Record a leg's outcome; ``entry`` is the leg or its id.

        With ``later`` the outcome is appended there instead, for the caller to write in a
        transaction it commits anyway (the one storing the request's response).
        """
        entry_id = entry if isinstance(entry, int) else entry.id
        assert entry_id is not None
        settlement = Settlement(
            entry_id,
            LegChanges(
                state=state,
                broker_order_id=broker_order_id,
                response=response,
                error_code=error_code,
                message=message,
            ),
        )
        if later is not None:
            later.append(settlement)
            return
        await self.db.transact(settlement.apply)

    async def legs_for_request(self, request_id: str) -> list[LedgerEntry]:
        async with self.db.session() as s:
            return await LedgerRepository(s).legs_for_request(request_id)

    async def find_by_order(self, account: str, order_id: str) -> LedgerEntry | None:
        async with self.db.session() as s:
            return await LedgerRepository(s).find_by_order(account, order_id)

    async def reconcile_prior(
        self,
        account: Account,
        tag: str,
        deadline: Deadline,
        policy: RetryPolicy,
        known: list[LedgerEntry] | None = None,
    ) -> AccountResult | None:
        """Settle earlier attempts of the same leg (same tag) before sending again.

        An acknowledged attempt, or an open one the broker's book shows, is the answer: the
        order exists and must not be sent twice. ``None`` means send. ``known`` is the tag's
        legs when the caller already read them while holding the idempotency claim.
        """
        if known is None:
            known = (await self.db.transact(lambda s: s.legs_by_tags([tag])))[tag]
        prior = known
        prior = [e for e in prior if e.account == account.name]
        done = [e for e in prior if e.state == LegState.ACKNOWLEDGED and e.broker_order_id]
        if done:
            return _existing(account, tag, done[-1].broker_order_id or "")
        open_legs = [e for e in prior if e.state in OPEN_STATES]
        if not open_legs:
            return None
        found = await find_by_tag(self.gateway, account, tag, deadline=deadline, policy=policy)
        if isinstance(found, Order):
            for entry in open_legs:
                await self.settle(entry, LegState.ACKNOWLEDGED, broker_order_id=found.order_id)
            return _existing(account, tag, found.order_id)
        for entry in open_legs:
            await self.settle(
                entry, LegState.FAILED, message="not in the broker's book: never took effect"
            )
        return None

    async def reconcile_unknown(self, accounts: dict[str, Account], policy: RetryPolicy) -> int:
        """Background pass: settle ``unknown`` legs by their tag; returns how many settled."""
        async with self.db.session() as s:
            unknown = await LedgerRepository(s).unknown_legs()
        settled = 0
        for entry in unknown:
            account = accounts.get(entry.account)
            if account is None or not entry.broker_tag:
                continue
            try:
                found = await find_by_tag(
                    self.gateway,
                    account,
                    entry.broker_tag,
                    deadline=Deadline.after(5.0),
                    policy=policy,
                )
            except BrokerError:
                continue
            if isinstance(found, Order):
                await self.settle(entry, LegState.ACKNOWLEDGED, broker_order_id=found.order_id)
                outcome = {"state": "acknowledged", "order_id": found.order_id}
            else:
                await self.settle(
                    entry, LegState.FAILED, message="not in the broker's book: never took effect"
                )
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
    )


def _existing(account: Account, tag: str, order_id: str) -> AccountResult:
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.SUCCESS,
        data={"order_id": order_id, "tag": tag, "message": "already placed", "reconciled": True},
    )
