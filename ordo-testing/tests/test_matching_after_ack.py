"""What the engine does to an order after acknowledging it, on a test's demand: the risk
system rejects it, it fills partly, the trading day ends and it expires."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.domain import OrderType, Product, Side
from ordo_testing.matching import (
    EngineError,
    Listing,
    MatchingEngine,
    OrderState,
    OrderTicket,
    RejectReason,
)

D = Decimal


def engine() -> MatchingEngine:
    return MatchingEngine([Listing("SBIN", D("700.00"))], cash=D("100000"))


def resting(quantity: int = 10, after_market: bool = False) -> OrderTicket:
    return OrderTicket(
        key="SBIN",
        side=Side.BUY,
        quantity=quantity,
        order_type=OrderType.LIMIT,
        product=Product.CNC,
        price=D("690.00"),
        after_market=after_market,
    )


def test_reject_after_ack_closes_a_live_order_with_the_reason_and_frees_its_margin() -> None:
    e = engine()
    order = e.place(resting())
    assert e.funds().blocked == D("6900.00")
    rejected = e.reject_after_ack(order.order_id, "RMS: exposure limit breached")
    assert rejected.state is OrderState.REJECTED
    assert rejected.reason == "RMS: exposure limit breached"
    assert e.funds().blocked == 0
    with pytest.raises(EngineError) as refused:
        e.reject_after_ack(order.order_id, "again")
    assert refused.value.reason is RejectReason.NOT_OPEN


def test_fill_partly_trades_part_then_the_rest_fills_the_order() -> None:
    e = engine()
    order = e.place(resting())
    fill = e.fill_partly(order.order_id, 4, D("689.00"))
    assert (fill.quantity, fill.price, fill.order_id) == (4, D("689.00"), order.order_id)
    assert (order.state, order.filled_quantity, order.pending_quantity) == (OrderState.OPEN, 4, 6)
    assert order.average_price == D("689.00")
    assert e.funds().blocked == 6 * D("690.00")
    last = e.fill_partly(order.order_id, 6, D("690.00"))
    assert last.quantity == 6
    assert order.state is OrderState.FILLED
    assert order.filled_quantity == 10
    assert order.average_price == (4 * D("689.00") + 6 * D("690.00")) / 10
    (position,) = e.open_positions()
    assert position.net_quantity == 10


def test_fill_partly_refuses_more_than_is_pending_or_a_closed_order() -> None:
    e = engine()
    order = e.place(resting())
    for quantity in (0, 11):
        with pytest.raises(EngineError) as refused:
            e.fill_partly(order.order_id, quantity)
        assert refused.value.reason is RejectReason.BAD_QUANTITY
    assert order.filled_quantity == 0
    e.cancel(order.order_id)
    with pytest.raises(EngineError) as closed:
        e.fill_partly(order.order_id, 1)
    assert closed.value.reason is RejectReason.NOT_OPEN


def test_a_partly_filled_limit_fills_its_rest_when_the_market_reaches_it() -> None:
    e = engine()
    order = e.place(resting())
    e.fill_partly(order.order_id, 3, D("690.00"))
    (rest,) = e.set_price("SBIN", D("689.00"))
    assert rest.quantity == 7
    assert order.state is OrderState.FILLED


def test_expire_day_expires_live_orders_but_not_after_market_or_closed_ones() -> None:
    e = engine()
    live = e.place(resting())
    partly = e.place(resting())
    e.fill_partly(partly.order_id, 2)
    amo = e.place(resting(after_market=True))
    cancelled = e.place(resting())
    e.cancel(cancelled.order_id)
    expired = e.expire_day()
    assert [order.order_id for order in expired] == [live.order_id, partly.order_id]
    assert live.state is OrderState.EXPIRED
    assert partly.state is OrderState.EXPIRED
    assert partly.filled_quantity == 2
    assert amo.state is OrderState.OPEN
    assert cancelled.state is OrderState.CANCELLED
    assert e.funds().blocked == 10 * D("690.00")  # only the after-market order still blocks
