"""What an order costs before it is accepted: the money to block and the RMS refusals for
funds and holdings.

Only the part of an order that opens or grows a position needs money: a SELL covered by
holdings or a long position, or a BUY covering a short, needs none. Delivery (CNC) sells
must be covered by holdings.
"""

from __future__ import annotations

from decimal import Decimal

from ordo.domain import OrderRequest, Product, Side
from ordo.domain.matching import reference_price

from ordo_adapter_mock import rules
from ordo_adapter_mock.book import BookEntry, OrderBook
from ordo_adapter_mock.ledger import Ledger


def coverable(
    book: OrderBook, ledger: Ledger, entry: BookEntry, side: Side, product: Product
) -> int:
    """Quantity an order on ``side`` can take from existing holdings or positions, net of
    other open orders already claiming it."""
    claimed = sum(
        other.order.quantity
        for other in book.open_on(entry.key)
        if other is not entry and other.order.side is side and other.order.product is product
    )
    net = ledger.net_quantity(entry.key, product)
    if side is Side.SELL:
        have = ledger.holding_quantity(entry.key) if product is Product.CNC else net
    else:
        have = 0 if product is Product.CNC else -net
    return max(0, have - claimed)


def requirement(
    book: OrderBook, ledger: Ledger, entry: BookEntry, request: OrderRequest, last: Decimal
) -> tuple[Decimal, rules.Problem | None]:
    """Money to block for ``request`` (replacing whatever ``entry`` blocks now) and the
    RMS problem with funds or holdings, if any."""
    covered = min(request.quantity, coverable(book, ledger, entry, request.side, request.product))
    uncovered = request.quantity - covered
    if uncovered and request.side is Side.SELL and request.product is Product.CNC:
        return Decimal(0), rules.Problem(
            "HOLDINGS",
            f"insufficient holdings: {covered} free to sell, order is for {request.quantity}",
        )
    price = reference_price(request.order_type, request.price, request.trigger_price, last)
    amount = price * uncovered
    available = ledger.funds(book.blocked).available + entry.blocked
    if amount > available:
        return amount, rules.Problem(
            "FUNDS",
            f"insufficient funds: order needs INR {amount:.2f}, available INR {available:.2f}",
        )
    return amount, None
