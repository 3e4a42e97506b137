"""Exit every open position of some accounts: one order per net position, each a leg of
the order path (pre-trade checks, ledger before the call, sent once per tag, guarded,
audited) under the request's idempotency key.

The positions are read first; the adapter turns them into exit orders
(``BrokerAdapter.exit_orders``), and an order that would not only reduce its position is
refused here, before any ledger row or broker call. The legs ask the kill switch for
``exit``, which it lets through: under the kill switch exits work, new orders do not.

A leg's tag comes from the key, the account and the position's instrument and product, not
from the order: a retry with the same key after an unknown outcome finds the earlier exit
by its tag (reconciled against the broker's book) instead of sending a second one, even
when the position has shrunk meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.domain import AccountResult, OrderRequest, Position, ResultStatus, reduces_exposure
from ordo.errors import InvalidRequest, KillSwitchActive, OrdoError
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import Reply, error_result, fan_out
from ordo.orchestrator.guard import CallGuard
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.leg import LegPlacer, LegPlan
from ordo.orchestrator.pretrade import OrderSafety
from ordo.orchestrator.reads import require
from ordo.orchestrator.unit_of_work import OrderUnitOfWork, PriorLegs, Settlements, Ticket
from ordo.safety.deadline import Deadline
from ordo.safety.retry import READ_RETRY_ON, call_with_retry
from ordo.safety.tags import order_tag


def exit_leg_name(account: str, position: Position) -> str:
    """What a position's exit leg is tagged from, with the key: the account and the
    position's identity (instrument and product)."""
    return f"{account}|exit|{position.exchange.value}:{position.symbol}|{position.product.value}"


class PositionExits:
    """Exits the open positions of one or several accounts, at most once per key."""

    def __init__(
        self,
        guard: CallGuard,
        legs: LegPlacer,
        ledger: Ledger,
        unit_of_work: OrderUnitOfWork,
        safety: OrderSafety,
    ) -> None:
        self.guard = guard
        self.legs = legs
        self.ledger = ledger
        self.unit_of_work = unit_of_work
        self.safety = safety

    async def exit_all(self, accounts: Sequence[Account], ticket: Ticket) -> Reply:
        """Flatten every open position of ``accounts``; each account's result lists one
        outcome per position (partial success is reported, not hidden)."""
        key = ticket.key or f"auto-{uuid.uuid4().hex}"

        async def work(_: PriorLegs, settlements: Settlements) -> list[AccountResult]:
            deadline = self.safety.deadline()
            return await fan_out(
                accounts, lambda a: self._exit_account(a, ticket.scope, key, deadline, settlements)
            )

        return await self.unit_of_work.run(ticket, (), work)

    async def _exit_account(
        self,
        account: Account,
        scope: str,
        key: str,
        deadline: Deadline,
        settlements: Settlements,
    ) -> AccountResult:
        require(account, Capability.EXIT_POSITIONS)
        require(account, Capability.POSITIONS)
        positions = await call_with_retry(
            lambda: self.guard.call(
                account, "get_positions", account.adapter.get_positions, deadline=deadline
            ),
            deadline=deadline,
            policy=self.safety.policy,
            retry_on=READ_RETRY_ON,
        )
        planned = account.adapter.exit_orders(positions)
        tags = [order_tag(scope, key, exit_leg_name(account.name, p)) for p, _ in planned]
        prior = await self.ledger.legs_by_tags(tags) if tags else {}
        rows: list[dict[str, Any]] = []
        results: list[AccountResult] = []
        for index, ((position, order), tag) in enumerate(zip(planned, tags, strict=True)):
            plan = LegPlan(
                account, order, scope, key, index, tag, order.model_dump(mode="json"), "exit"
            )
            result = await self._exit_one(plan, position, prior.get(tag, ()), deadline, settlements)
            results.append(result)
            rows.append(_row(position, order, result))
        return summarise(account, rows, results)

    async def _exit_one(
        self,
        plan: LegPlan,
        position: Position,
        earlier: Sequence[Any],
        deadline: Deadline,
        settlements: Settlements,
    ) -> AccountResult:
        refusal = self._refusal(plan.order, position)
        if refusal is not None:
            return error_result(plan.account, refusal)
        try:
            return await self.legs.place(plan, earlier, deadline, settlements)
        except OrdoError as exc:
            return error_result(plan.account, exc)

    def _refusal(self, order: OrderRequest, position: Position) -> OrdoError | None:
        """Why ``order`` may not go out as an exit of ``position``, if it may not."""
        if reduces_exposure(order, position):
            return None
        switch = self.safety.kill_switch
        if switch.active:
            return KillSwitchActive(switch.state, "place")
        return InvalidRequest(
            f"the exit order {order.side.value} {order.quantity} {order.exchange.value}:"
            f"{order.symbol} would not only reduce the position of {position.quantity}"
        )


def _row(position: Position, order: OrderRequest, result: AccountResult) -> dict[str, Any]:
    """One position's outcome as the response lists it."""
    data = result.data if isinstance(result.data, dict) else {}
    row: dict[str, Any] = {
        "exchange": position.exchange.value,
        "symbol": position.symbol,
        "product": position.product.value,
        "position_quantity": position.quantity,
        "side": order.side.value,
        "quantity": order.quantity,
        "status": result.status.value,
        "order_id": data.get("order_id"),
        "tag": data.get("tag"),
    }
    if result.status is not ResultStatus.SUCCESS:
        row.update(error_code=result.error_code, message=result.message)
    return row


def summarise(
    account: Account, rows: list[dict[str, Any]], results: Sequence[AccountResult]
) -> AccountResult:
    """An account's exits as one result: ``unknown`` when any exit's outcome is open (so the
    key is not final and a retry reconciles it), an error when every exit failed, else a
    success whose ``positions`` list each exit, failed ones included."""
    unknown = [r for r in results if r.status is ResultStatus.UNKNOWN]
    failed = [r for r in results if r.status is ResultStatus.ERROR]
    decisive = unknown or (failed if results and len(failed) == len(results) else [])
    if not decisive:
        return AccountResult(
            account=account.name,
            broker=account.adapter_id,
            status=ResultStatus.SUCCESS,
            data={"positions": rows},
        )
    first = decisive[0]
    statuses = {r.http_status for r in decisive}
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.UNKNOWN if unknown else ResultStatus.ERROR,
        data={"positions": rows},
        error_code=first.error_code,
        message=first.message,
        retryable=all(r.retryable for r in decisive),
        http_status=first.http_status if len(statuses) == 1 else 502,
    )
