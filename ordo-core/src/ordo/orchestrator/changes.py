"""Changes to existing orders: modify and cancel, through the same unit of work as
placement (idempotency key, stored response), and "cancel every open order" for the kill
switch. A write on an existing order is retried only on errors that prove no effect.

Each change counts against the order-rate ceiling of its order's exchange segment, learnt
from the ledger leg that placed the order (from the broker's book in the kill switch's
sweep); an order Ordo did not place counts in every segment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.domain import AccountResult, OrderAck, OrderModification, ResultStatus
from ordo.domain.protection import NAKED_TYPES, MarketProtection
from ordo.domain.segments import Segment, segment_named
from ordo.errors import OrdoError, UnsupportedOperation
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.fanout import Reply, error_result, fan_out
from ordo.orchestrator.guard import CallGuard, CallKind, guarded_read
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.pretrade import OrderSafety
from ordo.orchestrator.reads import require
from ordo.orchestrator.unit_of_work import OrderUnitOfWork, PriorLegs, Settlements, Ticket
from ordo.safety.retry import WRITE_RETRY_ON, call_with_retry


class OrderChanges:
    """Modifies and cancels orders on one account each."""

    def __init__(
        self,
        accounts: AccountSet,
        guard: CallGuard,
        unit_of_work: OrderUnitOfWork,
        safety: OrderSafety,
        *,
        ledger: Ledger | None = None,
    ) -> None:
        self.accounts = accounts
        self.guard = guard
        self.unit_of_work = unit_of_work
        self.safety = safety
        self.ledger = ledger

    async def modify(
        self, account_name: str, order_id: str, changes: OrderModification, ticket: Ticket
    ) -> Reply:
        """Refused while the kill switch is on, before and right before the broker call."""
        account = self.accounts.get(account_name)

        async def work(_: PriorLegs, __: Settlements) -> list[AccountResult]:
            self.safety.kill_switch.ensure_allows("modify")
            return [await self._modify(account, order_id, changes)]

        return await self.unit_of_work.run(ticket, (), work)

    async def cancel(self, account_name: str, order_id: str, ticket: Ticket) -> Reply:
        """Cancels pass while the kill switch is on: they only reduce exposure."""
        account = self.accounts.get(account_name)

        async def work(_: PriorLegs, __: Settlements) -> list[AccountResult]:
            return [await self.cancel_now(account, order_id)]

        return await self.unit_of_work.run(ticket, (), work)

    async def _modify(
        self, account: Account, order_id: str, changes: OrderModification
    ) -> AccountResult:
        adapter = account.adapter
        if changes.order_type in NAKED_TYPES and adapter.market_protection is not (
            MarketProtection.FIELD
        ):
            # Exchanges refuse naked algo market orders; a modification has no fresh price
            # to protect it with, so it is refused before anything is sent.
            refused = UnsupportedOperation(
                f"{adapter.id} has no market-protection field, so an order cannot be "
                f"modified to {changes.order_type}: modify it to LIMIT (or SL) with a price"
            )
            return error_result(account, refused)
        return await self._change(
            account,
            Capability.MODIFY_ORDER,
            "modify_order",
            lambda: account.adapter.modify_order(order_id, changes),
            kind=CallKind.ORDER,
            before_send=lambda: self.safety.kill_switch.ensure_allows("modify"),
            audit={
                "order_id": order_id,
                "changes": changes.model_dump(mode="json", exclude_unset=True),
            },
            segment=await self._segment(account, order_id),
        )

    async def cancel_now(
        self, account: Account, order_id: str, *, exchange: str | None = None
    ) -> AccountResult:
        """Cancel one order, outside any idempotency key (the kill switch's sweep).
        ``exchange``: the order's, when the caller knows it."""
        segment = segment_named(exchange) or await self._segment(account, order_id)
        return await self._change(
            account,
            Capability.CANCEL_ORDER,
            "cancel_order",
            lambda: account.adapter.cancel_order(order_id),
            kind=CallKind.CANCEL,
            before_send=None,
            audit={"order_id": order_id},
            segment=segment,
        )

    async def _segment(self, account: Account, order_id: str) -> Segment | None:
        """The exchange segment of an order Ordo placed (its ledger leg), else ``None``."""
        if self.ledger is None:
            return None
        leg = await self.ledger.find_by_order(account.name, order_id)
        return None if leg is None else segment_named(leg.request.get("exchange"))

    async def _change(
        self,
        account: Account,
        capability: Capability,
        operation: str,
        fn: Callable[[], Awaitable[OrderAck]],
        *,
        kind: CallKind,
        before_send: Callable[[], None] | None,
        audit: dict[str, Any],
        segment: Segment | None,
    ) -> AccountResult:
        deadline = self.safety.deadline()
        try:
            require(account, capability)
            ack = await call_with_retry(
                lambda: self.guard.call(
                    account,
                    operation,
                    fn,
                    kind=kind,
                    deadline=deadline,
                    before_send=before_send,
                    audit=audit,
                    segment=segment,
                ),
                deadline=deadline,
                policy=self.safety.policy,
                retry_on=WRITE_RETRY_ON,
            )
        except OrdoError as exc:
            return error_result(account, exc)
        self.safety.funds.invalidate(account.name)
        return AccountResult(
            account=account.name, broker=account.adapter_id, status=ResultStatus.SUCCESS, data=ack
        )

    async def cancel_all(self, accounts: Sequence[Account], ticket: Ticket) -> Reply:
        """Cancel every open order of ``accounts`` under one idempotency key (a replay
        returns the first reply and cancels nothing again). Allowed under the kill switch:
        cancels only reduce exposure; each cancel runs through the guard and is audited."""

        async def work(_: PriorLegs, __: Settlements) -> list[AccountResult]:
            return await self.cancel_all_open(accounts)

        return await self.unit_of_work.run(ticket, (), work)

    async def cancel_all_open(self, accounts: Sequence[Account]) -> list[AccountResult]:
        """Cancel every open order on every account; each account's result lists the
        order ids cancelled and each failure with its reason."""

        async def one(account: Account) -> dict[str, Any]:
            deadline = self.safety.deadline()
            orders = await guarded_read(
                self.guard,
                account,
                "list_orders",
                account.adapter.list_orders,
                deadline=deadline,
                policy=self.safety.policy,
            )
            outcomes = [
                (o.order_id, await self.cancel_now(account, o.order_id, exchange=o.exchange))
                for o in orders
                if o.status.is_open
            ]
            return {
                "cancelled": [
                    order_id for order_id, r in outcomes if r.status is ResultStatus.SUCCESS
                ],
                "failed": [
                    {"order_id": order_id, "error_code": r.error_code, "message": r.message}
                    for order_id, r in outcomes
                    if r.status is not ResultStatus.SUCCESS
                ],
            }

        return await fan_out(accounts, one)
