"""The operations traders use beyond placing: one order's history from ``order/details``,
the profile from the login's session object, and the orders that exit open positions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.adapters.errors import OrderNotFound, SessionExpired
from ordo.domain import (
    Exchange,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
)
from ordo.safety.tags import order_tag
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.testing import MiraeHarness

DETAILS = ("POST", "/openapi/typea/order/details")


def tag(n: int) -> str:
    return order_tag("tests", f"ops-{n}", "0")


async def test_history_of_a_filled_order(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    buy = OrderRequest(exchange=Exchange.NSE, symbol="SBIN", side=Side.BUY, quantity=5)
    ack = await adapter.place_order(buy, tag(1))
    history = await adapter.get_order_history(ack.order_id)
    assert [(h.status, h.filled_quantity, h.average_price) for h in history] == [
        (OrderStatus.OPEN, 0, None),
        (OrderStatus.FILLED, 5, Decimal("800.0")),
    ]
    assert {h.order_id for h in history} == {ack.order_id}
    assert all(h.at is not None for h in history)
    # An equity order is found in segment E at the first call.
    assert harness.broker.calls.count(DETAILS) == 1


async def test_history_of_a_cancelled_order(adapter: MiraeAdapter) -> None:
    rest = OrderRequest(
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=2,
        order_type=OrderType.LIMIT,
        price=Decimal("700.00"),
    )
    ack = await adapter.place_order(rest, tag(2))
    await adapter.cancel_order(ack.order_id)
    history = await adapter.get_order_history(ack.order_id)
    assert [(h.status, h.price) for h in history] == [
        (OrderStatus.OPEN, Decimal("700.0")),
        (OrderStatus.CANCELLED, Decimal("700.0")),
    ]


async def test_history_of_a_derivative_order_is_asked_in_segment_d(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    fut = OrderRequest(
        exchange=Exchange.NFO,
        symbol="NIFTY26DEC30FUT",
        side=Side.BUY,
        quantity=75,
        order_type=OrderType.LIMIT,
        price=Decimal("21000.00"),
        product=Product.NRML,
    )
    ack = await adapter.place_order(fut, tag(3))
    history = await adapter.get_order_history(ack.order_id)
    assert history[-1].status is (await adapter.get_order(ack.order_id)).status
    assert harness.broker.calls.count(DETAILS) == 2


async def test_history_of_an_unknown_order(adapter: MiraeAdapter) -> None:
    with pytest.raises(OrderNotFound):
        await adapter.get_order_history("999")
    with pytest.raises(OrderNotFound):
        await adapter.get_order_history("../orders")


async def test_profile_from_the_session_object(adapter: MiraeAdapter) -> None:
    profile = await adapter.get_profile()
    assert (profile.client_id, profile.name, profile.email, profile.broker) == (
        "MA0001",
        "Demo Trader",
        "demo@example.com",
        "mirae",
    )


async def test_profile_needs_a_session(anon: MiraeAdapter) -> None:
    with pytest.raises(SessionExpired):
        await anon.get_profile()


async def test_exit_orders_flatten_open_positions(adapter: MiraeAdapter) -> None:
    for side, quantity in ((Side.BUY, 5), (Side.SELL, 2)):
        order = OrderRequest(
            exchange=Exchange.NSE, symbol="SBIN", side=side, quantity=quantity, product=Product.MIS
        )
        await adapter.place_order(order, tag(10 + quantity))
    positions = await adapter.get_positions()
    exits = adapter.exit_orders(positions)
    assert [(o.side, o.quantity, o.product, o.order_type) for _, o in exits] == [
        (Side.SELL, 3, Product.MIS, OrderType.MARKET)
    ]
    await adapter.place_order(exits[0][1], tag(20))
    assert adapter.exit_orders(await adapter.get_positions()) == []
