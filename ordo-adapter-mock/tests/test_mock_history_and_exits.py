"""The paper broker keeps each order's history, and the orders that exit its positions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from ordo.adapters.errors import OrderNotFound
from ordo.domain import OrderModification, OrderRequest, OrderStatus, OrderType, Product, Side
from ordo_adapter_mock import MockAdapter, PaperBroker

Req = Callable[..., OrderRequest]
D = Decimal


def test_history_of_a_stop_order(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(
        make_request(order_type=OrderType.SL, trigger="810", price="812", product=Product.MIS)
    )
    broker.modify(order.order_id, OrderModification(price=D("815")))
    broker.set_price("NSE:SBIN", "813")  # triggers and fills at the limit or better
    steps = broker.order_history(order.order_id)
    first = steps[0]
    assert (first.status, first.price, first.filled_quantity) == (
        OrderStatus.PENDING,
        D("812"),
        0,
    )
    assert (steps[-1].status, steps[-1].filled_quantity) == (OrderStatus.FILLED, 10)
    assert D("815") in {s.price for s in steps}
    # Consecutive identical states are one step.
    assert all(a.model_copy(update={"at": b.at}) != b for a, b in itertools.pairwise(steps))


def test_history_of_an_unknown_order(broker: PaperBroker) -> None:
    with pytest.raises(OrderNotFound):
        broker.order_history("PB9999999999")


async def test_adapter_history_and_exit_orders(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    adapter.broker.set_price("NSE:SBIN", "800")
    ack = await adapter.place_order(make_request(quantity=4, product=Product.MIS), "T1")
    history = await adapter.get_order_history(ack.order_id)
    assert history[-1].status is OrderStatus.FILLED
    exits = adapter.exit_orders(await adapter.get_positions())
    assert [(o.side, o.quantity, o.product) for _, o in exits] == [(Side.SELL, 4, Product.MIS)]
