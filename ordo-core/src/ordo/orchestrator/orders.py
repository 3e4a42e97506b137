"""The order path: pre-trade checks, then the broker call, per account, concurrently."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import BrokerError, InstrumentNotFound, UnsupportedOperation
from ordo.domain import (
    AccountResult,
    Instrument,
    OrderModification,
    OrderRequest,
    OrderType,
    ResultStatus,
    SymbolRef,
)
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import error_result, fan_out
from ordo.orchestrator.gateway import BrokerGateway, CallKind
from ordo.orchestrator.reads import require
from ordo.safety.checks import CheckContext, OrderLimits, run_checks
from ordo.safety.tags import order_tag


def required_capabilities(order: OrderRequest) -> list[Capability]:
    needed = [Capability.PLACE_ORDER]
    if order.order_type in (OrderType.SL, OrderType.SL_M):
        needed.append(Capability.STOP_ORDERS)
    if order.amo:
        needed.append(Capability.AMO)
    return needed


class OrderService:
    """Places, modifies and cancels orders through the gateway."""

    def __init__(
        self, gateway: BrokerGateway, hook: Any, limits_for: Callable[[str], OrderLimits]
    ) -> None:
        self.gateway = gateway
        self.hook = hook
        self.limits_for = limits_for

    async def place(
        self, accounts: Sequence[Account], order: OrderRequest, *, scope: str, key: str
    ) -> list[AccountResult]:
        """One leg per account, concurrently; each leg tagged from (scope, key, account)."""
        return await fan_out(accounts, lambda a: self._place_leg(a, order, scope, key))

    async def _place_leg(
        self, account: Account, order: OrderRequest, scope: str, key: str
    ) -> AccountResult:
        for capability in required_capabilities(order):
            require(account, capability)
        context = await self.check_context(account, order)
        rejections = await run_checks(self.hook, order, context)
        if rejections:
            first = rejections[0]
            return AccountResult(
                account=account.name,
                broker=account.adapter_id,
                status=ResultStatus.ERROR,
                error_code=first.code,
                message=f"{account.name}: {first.message}",
                data={"rejections": [r.model_dump() for r in rejections]},
            )
        tag = order_tag(scope, key, account.name)
        ack = await self.gateway.call(
            account,
            "place_order",
            lambda: account.adapter.place_order(order, tag),
            kind=CallKind.ORDER,
            audit={"order": order.model_dump(mode="json"), "tag": tag},
        )
        return AccountResult(
            account=account.name,
            broker=account.adapter_id,
            status=ResultStatus.SUCCESS,
            data={
                "order_id": ack.order_id,
                "status": ack.status,
                "tag": tag,
                "message": ack.message,
            },
        )

    async def check_context(self, account: Account, order: OrderRequest) -> CheckContext:
        """Gather what the pre-trade checks need: instrument, funds, a reference price."""
        ref = SymbolRef(exchange=order.exchange, symbol=order.symbol)
        instrument: Instrument | None
        try:
            instrument = await self.gateway.call(
                account, "get_instrument", lambda: account.adapter.get_instrument(ref)
            )
        except InstrumentNotFound:
            instrument = None
        funds = None
        reference = order.price
        if instrument is not None and account.adapter.supports(Capability.FUNDS):
            funds = await self.gateway.call(account, "get_funds", account.adapter.get_funds)
            if reference is None and account.adapter.supports(Capability.QUOTES):
                quotes = await self.gateway.call(
                    account,
                    "get_quotes",
                    lambda: account.adapter.get_quotes([ref]),
                    kind=CallKind.QUOTE,
                )
                reference = quotes[0].last_price if quotes else None
        return CheckContext(
            account=account.name,
            adapter=account.adapter,
            instrument=instrument,
            funds=funds,
            reference_price=reference,
            limits=self.limits_for(account.name),
        )

    async def modify(
        self, account: Account, order_id: str, changes: OrderModification
    ) -> AccountResult:
        try:
            require(account, Capability.MODIFY_ORDER)
            ack = await self.gateway.call(
                account,
                "modify_order",
                lambda: account.adapter.modify_order(order_id, changes),
                kind=CallKind.ORDER,
                audit={
                    "order_id": order_id,
                    "changes": changes.model_dump(mode="json", exclude_unset=True),
                },
            )
        except BrokerError as exc:
            return error_result(account, exc)
        return AccountResult(
            account=account.name,
            broker=account.adapter_id,
            status=ResultStatus.SUCCESS,
            data=ack,
        )

    async def cancel(self, account: Account, order_id: str) -> AccountResult:
        try:
            require(account, Capability.CANCEL_ORDER)
            ack = await self.gateway.call(
                account,
                "cancel_order",
                lambda: account.adapter.cancel_order(order_id),
                kind=CallKind.CANCEL,
                audit={"order_id": order_id},
            )
        except BrokerError as exc:
            return error_result(account, exc)
        return AccountResult(
            account=account.name, broker=account.adapter_id, status=ResultStatus.SUCCESS, data=ack
        )


__all__ = ["OrderService", "UnsupportedOperation"]
