"""Exits of open positions: the order that closes a net position, and the test that an
order only reduces one (what the kill switch lets through as an exit)."""

from __future__ import annotations

from ordo.domain.enums import OrderType, Side
from ordo.domain.orders import OrderRequest
from ordo.domain.portfolio import Position


def exit_order_for(position: Position) -> OrderRequest | None:
    """The market order that flattens ``position``: the opposite side for its whole net
    quantity, same instrument and product; ``None`` for a flat position."""
    if position.quantity == 0:
        return None
    return OrderRequest(
        exchange=position.exchange,
        symbol=position.symbol,
        side=Side.SELL if position.quantity > 0 else Side.BUY,
        quantity=abs(position.quantity),
        order_type=OrderType.MARKET,
        product=position.product,
    )


def reduces_exposure(order: OrderRequest, position: Position) -> bool:
    """Whether ``order`` can only shrink ``position``: same instrument and product, the
    opposite side of the net quantity, and no more than it (a larger order would reverse
    the position, a same-side one would grow it)."""
    same = (order.exchange, order.symbol, order.product) == (
        position.exchange,
        position.symbol,
        position.product,
    )
    if not same or position.quantity == 0 or order.amo:
        return False
    closing = Side.SELL if position.quantity > 0 else Side.BUY
    return order.side is closing and order.quantity <= abs(position.quantity)
