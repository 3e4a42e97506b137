"""The paper broker's order checks and price arithmetic: pure functions, no state.

A failed check is a ``Problem``: a machine-readable code (it becomes the error's
``broker_code``) and the message a broker's RMS would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordo.domain import Instrument, InstrumentType, OrderRequest, OrderType, Product, Side

STOP_TYPES = frozenset({OrderType.SL, OrderType.SL_M})


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def _on_tick(price: Decimal, tick: Decimal) -> bool:
    return price % tick == 0


def order_problem(instrument: Instrument, order: OrderRequest) -> Problem | None:
    """What the broker's RMS refuses in ``order`` irrespective of market state."""
    ref = f"{instrument.exchange.value}:{instrument.symbol}"
    if instrument.instrument_type is InstrumentType.INDEX:
        return Problem("NOT_TRADABLE", f"{ref} is an index and cannot be traded")
    if not instrument.tradable:
        return Problem("NOT_TRADABLE", f"{ref} is not tradable (trading suspended)")
    if order.quantity % instrument.lot_size:
        return Problem(
            "LOT_SIZE",
            f"quantity {order.quantity} is not a multiple of the lot size {instrument.lot_size}",
        )
    if order.disclosed_quantity > order.quantity:
        return Problem("DISCLOSED_QUANTITY", "disclosed quantity exceeds the order quantity")
    for label, price in (("price", order.price), ("trigger price", order.trigger_price)):
        if price is not None and not _on_tick(price, instrument.tick_size):
            return Problem(
                "TICK_SIZE", f"{label} {price} is not a multiple of the tick {instrument.tick_size}"
            )
    is_equity = instrument.instrument_type is InstrumentType.EQUITY
    if order.product is Product.CNC and not is_equity:
        return Problem("PRODUCT", "CNC is for equity delivery; use NRML or MIS for derivatives")
    if order.product is Product.NRML and is_equity:
        return Problem("PRODUCT", "NRML is for derivatives; use CNC or MIS for equity")
    if order.order_type is OrderType.SL and order.price is not None and order.trigger_price:
        if order.side is Side.BUY and order.price < order.trigger_price:
            return Problem("PRICE", "a BUY SL order's price must be at or above its trigger price")
        if order.side is Side.SELL and order.price > order.trigger_price:
            return Problem("PRICE", "a SELL SL order's price must be at or below its trigger price")
    return None


def stop_problem(side: Side, trigger: Decimal, last: Decimal) -> Problem | None:
    """A stop must sit on the far side of the market, or it would trigger at once."""
    if side is Side.BUY and trigger <= last:
        return Problem("TRIGGER", f"a BUY stop's trigger price must be above the last price {last}")
    if side is Side.SELL and trigger >= last:
        return Problem(
            "TRIGGER", f"a SELL stop's trigger price must be below the last price {last}"
        )
    return None


def stop_hit(side: Side, trigger: Decimal, last: Decimal) -> bool:
    """Whether the market reached a stop's trigger."""
    return last >= trigger if side is Side.BUY else last <= trigger


def limit_crossed(side: Side, limit: Decimal, last: Decimal) -> bool:
    """Whether a limit order can trade at the last price."""
    return last <= limit if side is Side.BUY else last >= limit


def reference_price(
    order_type: OrderType, price: Decimal | None, trigger: Decimal | None, last: Decimal
) -> Decimal:
    """The price an order is valued at for margin: its limit, its trigger for SL-M, else
    the market."""
    if order_type in (OrderType.LIMIT, OrderType.SL) and price is not None:
        return price
    if order_type is OrderType.SL_M and trigger is not None:
        return trigger
    return last
