"""The shape checks of an order request against its listing: quantity and lot, prices
present, on the tick, and a stop-limit's price on the right side of its trigger. A failure
refuses the request (``EngineError``); nothing enters the book."""

from __future__ import annotations

from decimal import Decimal

from ordo.domain import OrderType, Side
from ordo.domain.matching import PRICED_TYPES, STOP_TYPES, stop_limit_inverted

from ordo_testing.matching.orders import EngineError, Listing, RejectReason


def check_shape(
    listing: Listing,
    side: Side,
    quantity: int,
    order_type: OrderType,
    price: Decimal | None,
    trigger: Decimal | None,
) -> None:
    if quantity <= 0:
        raise EngineError(RejectReason.BAD_QUANTITY, "quantity must be positive")
    if quantity % listing.lot_size:
        raise EngineError(
            RejectReason.LOT_SIZE,
            f"quantity {quantity} is not a multiple of the lot size {listing.lot_size}",
        )
    needs_price = order_type in PRICED_TYPES
    if needs_price and (price is None or price <= 0):
        raise EngineError(RejectReason.BAD_PRICE, f"a {order_type.value} order needs a price")
    if order_type in STOP_TYPES and (trigger is None or trigger <= 0):
        raise EngineError(RejectReason.BAD_PRICE, "a stop order needs a trigger price")
    for value in (price if needs_price else None, trigger):
        if value is not None and value % listing.tick_size:
            raise EngineError(
                RejectReason.TICK_SIZE,
                f"{value} is not a multiple of the tick size {listing.tick_size}",
            )
    if (
        order_type is OrderType.SL
        and price is not None
        and trigger is not None
        and stop_limit_inverted(side, price, trigger)
    ):
        raise EngineError(
            RejectReason.BAD_PRICE,
            "a stop-limit buy needs price >= trigger, a sell price <= trigger",
        )
