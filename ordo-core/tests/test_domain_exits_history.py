"""Pure rules of exits (the order that closes a position, and what counts as only
reducing one) and of order histories (steps from book rows, or rebuilt from fills)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ordo.domain import (
    Exchange,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Side,
    Trade,
    exit_order_for,
    history_from_fills,
    order_history,
    reduces_exposure,
)

T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


def position(quantity: int, product: Product = Product.MIS) -> Position:
    return Position(
        exchange=Exchange.NSE,
        symbol="SBIN",
        product=product,
        quantity=quantity,
        average_price=Decimal("800"),
    )


def order(side: Side, quantity: int, **changes: object) -> OrderRequest:
    fields: dict[str, object] = {
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": side,
        "quantity": quantity,
        "product": Product.MIS,
    }
    fields.update(changes)
    return OrderRequest.model_validate(fields)


def test_exit_order_closes_the_whole_net_quantity() -> None:
    long_exit = exit_order_for(position(7))
    short_exit = exit_order_for(position(-3, Product.NRML))
    assert long_exit is not None
    assert short_exit is not None
    assert (long_exit.side, long_exit.quantity, long_exit.order_type) == (
        Side.SELL,
        7,
        OrderType.MARKET,
    )
    assert (short_exit.side, short_exit.quantity, short_exit.product) == (
        Side.BUY,
        3,
        Product.NRML,
    )
    assert exit_order_for(position(0)) is None


@pytest.mark.parametrize(
    ("held", "candidate", "reduces"),
    [
        (7, order(Side.SELL, 7), True),
        (7, order(Side.SELL, 3), True),
        (7, order(Side.SELL, 8), False),  # would reverse the position
        (7, order(Side.BUY, 1), False),  # would grow it
        (-3, order(Side.BUY, 3), True),
        (-3, order(Side.SELL, 1), False),
        (0, order(Side.SELL, 1), False),  # nothing to reduce
        (7, order(Side.SELL, 7, product=Product.CNC), False),  # another position
        (7, order(Side.SELL, 7, symbol="INFY"), False),
        (7, order(Side.SELL, 7, amo=True), False),  # not now
    ],
)
def test_reduces_exposure(held: int, candidate: OrderRequest, reduces: bool) -> None:
    assert reduces_exposure(candidate, position(held)) is reduces


def book_row(status: OrderStatus, filled: int, at: datetime | None) -> Order:
    return Order(
        order_id="1",
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=10,
        filled_quantity=filled,
        order_type=OrderType.LIMIT,
        product=Product.CNC,
        price=Decimal("800"),
        status=status,
        placed_at=T0,
        updated_at=at,
    )


def test_order_history_sorts_timed_rows_oldest_first() -> None:
    rows = [
        book_row(OrderStatus.FILLED, 10, T0 + timedelta(seconds=2)),
        book_row(OrderStatus.OPEN, 0, T0),
    ]
    assert [s.status for s in order_history(rows)] == [OrderStatus.OPEN, OrderStatus.FILLED]


def fill(quantity: int, price: str, seconds: int) -> Trade:
    return Trade(
        trade_id=f"t{seconds}",
        order_id="1",
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=quantity,
        price=Decimal(price),
        product=Product.CNC,
        traded_at=T0 + timedelta(seconds=seconds),
    )


def test_history_rebuilt_from_fills() -> None:
    now = book_row(OrderStatus.CANCELLED, 6, T0 + timedelta(seconds=9))
    steps = history_from_fills(now, [fill(2, "801", 5), fill(4, "799", 3)])
    assert [(s.status, s.filled_quantity, s.average_price, s.at) for s in steps] == [
        (OrderStatus.OPEN, 0, None, T0),
        (OrderStatus.PARTIALLY_FILLED, 4, Decimal("799"), T0 + timedelta(seconds=3)),
        (
            OrderStatus.PARTIALLY_FILLED,
            6,
            Decimal("799.6666666666666666666666667"),
            T0 + timedelta(seconds=5),
        ),
        (OrderStatus.CANCELLED, 6, None, T0 + timedelta(seconds=9)),
    ]


def test_history_of_a_rejected_order_is_one_step() -> None:
    rejected = book_row(OrderStatus.REJECTED, 0, T0).model_copy(
        update={"status_message": "RMS: margin"}
    )
    [step] = history_from_fills(rejected, [])
    assert (step.status, step.message) == (OrderStatus.REJECTED, "RMS: margin")
