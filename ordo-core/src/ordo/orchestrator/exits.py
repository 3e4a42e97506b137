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

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.domain import (
    AccountResult,
    Order,
    OrderRequest,
    Position,
    ResultStatus,
    Side,
    reduces_exposure,
)
from ordo.domain.ledger import LedgerLeg
from ordo.errors import InvalidRequest, KillSwitchActive, OrdoError
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import Reply, error_result, fan_out, internal_error
from ordo.orchestrator.guard import CallGuard, guarded_read
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.leg import LegPlacer, LegPlan
from ordo.orchestrator.pretrade import OrderSafety
from ordo.orchestrator.reads import require
from ordo.orchestrator.unit_of_work import OrderUnitOfWork, PriorLegs, Settlements, Ticket
from ordo.safety.deadline import Deadline
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
        positions = await guarded_read(
            self.guard,
            account,
            "get_positions",
            account.adapter.get_positions,
            deadline=deadline,
            policy=self.safety.policy,
        )
        orders = await guarded_read(
            self.guard,
            account,
            "list_orders",
            account.adapter.list_orders,
            deadline=deadline,
            policy=self.safety.policy,
        )
        pending = closing_orders(positions, orders)
        planned = account.adapter.exit_orders([uncovered(p, pending) for p in positions])
        tags = [order_tag(scope, key, exit_leg_name(account.name, p)) for p, _ in planned]
        prior = await self.ledger.legs_by_tags(tags) if tags else {}
        plans = [
            (
                LegPlan(
                    account,
                    order,
                    scope,
                    key,
                    i,
                    tag,
                    order.model_dump(mode="json"),
                    action="exit",
                    slice=True,
                ),
                p,
            )
            for i, ((p, order), tag) in enumerate(zip(planned, tags, strict=True))
        ]
        # Concurrently, as placement's legs: the account's limiter orders the broker calls.
        results = list(
            await asyncio.gather(
                *(
                    self._exit_one(plan, p, prior.get(plan.tag, ()), deadline, settlements)
                    for plan, p in plans
                )
            )
        )
        read = {_identity(p): p for p in positions}
        rows = [
            _row(read.get(_identity(p), p), plan.order, r, pending.get(_identity(p), []))
            for (plan, p), r in zip(plans, results, strict=True)
        ]
        planned_ids = {_identity(p) for _, p in plans}
        rows += [
            _covered_row(p, pending[_identity(p)])
            for p in positions
            if p.quantity and _identity(p) in pending and _identity(p) not in planned_ids
        ]
        return summarise(account, rows, results)

    async def _exit_one(
        self,
        plan: LegPlan,
        position: Position,
        earlier: Sequence[LedgerLeg],
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
        except Exception as exc:
            # A bug before the broker call (the leg turns one during it into an unknown
            # outcome itself): this exit fails, its siblings still report theirs.
            return error_result(plan.account, internal_error(plan.account, exc))

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


Identity = tuple[str, str, str]


def _identity(item: Position | Order) -> Identity:
    return (item.exchange.value, item.symbol, item.product.value)


def closing_orders(
    positions: Sequence[Position], orders: Sequence[Order]
) -> dict[Identity, list[Order]]:
    """Open orders that already close part of a position (its instrument and product, the
    opposite side of its net quantity): an exit sent before and still working. They are
    counted so that a second exit-all cannot reverse the position."""
    closing = {
        _identity(p): Side.SELL if p.quantity > 0 else Side.BUY for p in positions if p.quantity
    }
    found: dict[Identity, list[Order]] = {}
    for order in orders:
        identity = _identity(order)
        if (
            order.status.is_open
            and order.pending_quantity > 0
            and closing.get(identity) is order.side
        ):
            found.setdefault(identity, []).append(order)
    return found


def uncovered(position: Position, pending: dict[Identity, list[Order]]) -> Position:
    """``position`` less what open closing orders will already take off it."""
    working = sum(o.pending_quantity for o in pending.get(_identity(position), ()))
    if not working:
        return position
    left = max(abs(position.quantity) - working, 0)
    return position.model_copy(update={"quantity": left if position.quantity > 0 else -left})


def _row(
    position: Position, order: OrderRequest, result: AccountResult, pending: Sequence[Order]
) -> dict[str, Any]:
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
        "pending_order_ids": [o.order_id for o in pending],
    }
    if data.get("sliced") is True:
        # Above the freeze quantity the exit went as child orders: no one order id, each
        # child's outcome instead (``SlicedLeg``), whatever the exit's status.
        row["sliced"] = data
    if result.status is not ResultStatus.SUCCESS:
        row.update(error_code=result.error_code, message=result.message)
    return row


def _covered_row(position: Position, pending: Sequence[Order]) -> dict[str, Any]:
    """A position whose open closing orders already cover it: nothing more is sent."""
    return {
        "exchange": position.exchange.value,
        "symbol": position.symbol,
        "product": position.product.value,
        "position_quantity": position.quantity,
        "side": (Side.SELL if position.quantity > 0 else Side.BUY).value,
        "quantity": 0,
        "status": ResultStatus.SUCCESS.value,
        "order_id": None,
        "tag": None,
        "pending_order_ids": [o.order_id for o in pending],
        "message": "already covered by open orders; nothing more sent",
    }


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
