"""The paper broker's order checks: pure functions, no state. The exchange arithmetic they
rest on (stop triggers, limit crossing, reference prices) is ``ordo.domain.matching``,
shared with the fake matching engine of ``ordo-testing``.

A failed check is a ``Problem``: a machine-readable code (it becomes the error's
``broker_code``) and the message a broker's RMS would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordo.domain import Instrument, InstrumentType, OrderRequest, OrderType, Product, Side
from ordo.domain.matching import stop_already_hit, stop_limit_inverted


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
    price, trigger = order.price, order.trigger_price
    if order.order_type is not OrderType.SL or price is None or not trigger:
        return None
    if not stop_limit_inverted(order.side, price, trigger):
        return None
    where = "at or above" if order.side is Side.BUY else "at or below"
    return Problem(
        "PRICE", f"a {order.side.value} SL order's price must be {where} its trigger price"
    )


def stop_problem(side: Side, trigger: Decimal, last: Decimal) -> Problem | None:
    """A stop must sit on the far side of the market, or it would trigger at once."""
    if not stop_already_hit(side, trigger, last):
        return None
    where = "above" if side is Side.BUY else "below"
    return Problem(
        "TRIGGER", f"a {side.value} stop's trigger price must be {where} the last price {last}"
    )
