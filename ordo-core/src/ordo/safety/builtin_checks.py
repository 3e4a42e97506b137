"""Built-in pre-trade checks, registered as a default plugin like any third-party one."""

from __future__ import annotations

from decimal import Decimal

from ordo.domain import OrderRequest, OrderType, Rejection
from ordo.hookspecs import hookimpl
from ordo.safety.checks import CheckContext, MarginSource


@hookimpl
def check_order(order: OrderRequest, account: str, context: CheckContext) -> Rejection | None:
    """Instrument exists and trades; lot and tick sizes; funds; configured limits."""
    for check in (_instrument, _lot_size, _tick_size, _limits, _funds):
        rejection = check(order, context)
        if rejection is not None:
            return rejection
    return None


def _instrument(order: OrderRequest, ctx: CheckContext) -> Rejection | None:
    if ctx.instrument is None:
        return Rejection(
            code="INSTRUMENT_NOT_FOUND",
            message=f"{order.exchange}:{order.symbol} is not in the instrument master of "
            f"account {ctx.account!r}",
            check="instrument",
        )
    if not ctx.instrument.tradable:
        return Rejection(
            code="INSTRUMENT_NOT_TRADABLE",
            message=f"{order.exchange}:{order.symbol} is not tradable now",
            check="instrument",
        )
    return None


def _lot_size(order: OrderRequest, ctx: CheckContext) -> Rejection | None:
    lot = ctx.instrument.lot_size if ctx.instrument else 1
    if order.quantity % lot:
        return Rejection(
            code="INVALID_LOT_SIZE",
            message=f"quantity {order.quantity} is not a multiple of the lot size {lot}",
            check="lot_size",
        )
    return None


def _tick_size(order: OrderRequest, ctx: CheckContext) -> Rejection | None:
    tick = ctx.instrument.tick_size if ctx.instrument else None
    if tick is None:
        return None
    for name in ("price", "trigger_price"):
        value: Decimal | None = getattr(order, name)
        if value is not None and value % tick:
            return Rejection(
                code="INVALID_TICK_SIZE",
                message=f"{name} {value} is not a multiple of the tick size {tick}",
                check="tick_size",
            )
    return None


def _limits(order: OrderRequest, ctx: CheckContext) -> Rejection | None:
    limits = ctx.limits
    value = ctx.order_value(order)
    if limits.max_order_quantity is not None and order.quantity > limits.max_order_quantity:
        return Rejection(
            code="ORDER_LIMIT_EXCEEDED",
            message=f"quantity {order.quantity} exceeds the per-order limit "
            f"{limits.max_order_quantity}",
            check="limits",
        )
    if limits.max_order_value is not None and value is not None and value > limits.max_order_value:
        return Rejection(
            code="ORDER_LIMIT_EXCEEDED",
            message=f"order value {value} exceeds the per-order limit {limits.max_order_value}",
            check="limits",
        )
    if (
        limits.max_daily_quantity is not None
        and ctx.day_quantity + order.quantity > limits.max_daily_quantity
    ):
        return Rejection(
            code="DAILY_LIMIT_EXCEEDED",
            message=f"today's quantity would reach {ctx.day_quantity + order.quantity}, over "
            f"the daily limit {limits.max_daily_quantity}",
            check="limits",
        )
    if (
        limits.max_daily_value is not None
        and value is not None
        and ctx.day_value + value > limits.max_daily_value
    ):
        return Rejection(
            code="DAILY_LIMIT_EXCEEDED",
            message=f"today's order value would reach {ctx.day_value + value}, over the daily "
            f"limit {limits.max_daily_value}",
            check="limits",
        )
    return None


def _funds(order: OrderRequest, ctx: CheckContext) -> Rejection | None:
    # Sells reduce exposure on delivery; margin rules for short sells are the broker's call.
    if ctx.funds is None or order.side.value == "SELL":
        return None
    if order.order_type is OrderType.SL_M and ctx.margin_source is MarginSource.ESTIMATE:
        return None  # no price to estimate with; the broker's calculator knows the margin
    value = ctx.funds_needed(order)
    if value is None:
        return None
    free = ctx.funds.available - ctx.reserved
    if value > free:
        what = (
            "required margin (broker)"
            if ctx.margin_source is MarginSource.BROKER
            else "order value (estimate)"
        )
        return Rejection(
            code="INSUFFICIENT_FUNDS",
            message=f"{what} {value:.2f} exceeds available funds {free:.2f} "
            f"(available {ctx.funds.available:.2f}, reserved by orders in flight or "
            f"not yet in the funds {ctx.reserved:.2f})",
            check="funds",
        )
    return None
