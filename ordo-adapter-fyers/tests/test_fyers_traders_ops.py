"""One order's history (``GET /orders?id=``) and the orders that exit open positions,
against the fake Fyers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import OrderNotFound
from ordo.domain import Exchange, OrderRequest, OrderStatus, OrderType, Product, Side
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter


def _tag(n: int) -> str:
    return order_tag("test", f"ops-{n}", "0")


def _order(side: Side = Side.BUY, quantity: int = 2, **changes: object) -> OrderRequest:
    fields: dict[str, object] = {
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": side,
        "quantity": quantity,
        "product": Product.MIS,
    }
    fields.update(changes)
    return OrderRequest.model_validate(fields)


def test_capabilities() -> None:
    assert {Capability.ORDER_HISTORY, Capability.EXIT_POSITIONS} <= FyersAdapter.capabilities


async def test_history_of_a_resting_then_cancelled_order(adapter: FyersAdapter) -> None:
    ack = await adapter.place_order(
        _order(order_type=OrderType.LIMIT, price=Decimal("700.00")), _tag(1)
    )
    [step] = await adapter.get_order_history(ack.order_id)
    assert (step.order_id, step.status, step.price) == (
        ack.order_id,
        OrderStatus.OPEN,
        Decimal("700"),
    )
    await adapter.cancel_order(ack.order_id)
    [step] = await adapter.get_order_history(ack.order_id)
    assert (step.status, step.filled_quantity) == (OrderStatus.CANCELLED, 0)
    assert step.at is not None


async def test_history_of_a_filled_order(adapter: FyersAdapter) -> None:
    ack = await adapter.place_order(_order(quantity=3), _tag(2))
    [step] = await adapter.get_order_history(ack.order_id)
    assert (step.status, step.filled_quantity, step.average_price) == (
        OrderStatus.FILLED,
        3,
        Decimal("800"),
    )


async def test_history_of_an_unknown_order(adapter: FyersAdapter) -> None:
    with pytest.raises(OrderNotFound):
        await adapter.get_order_history("99999")


async def test_exit_orders_flatten_open_positions(adapter: FyersAdapter) -> None:
    await adapter.place_order(_order(quantity=5), _tag(3))
    await adapter.place_order(_order(Side.SELL, 2), _tag(4))
    exits = adapter.exit_orders(await adapter.get_positions())
    assert [(o.symbol, o.side, o.quantity, o.product) for _, o in exits] == [
        ("SBIN", Side.SELL, 3, Product.MIS)
    ]
    await adapter.place_order(exits[0][1], _tag(5))
    assert adapter.exit_orders(await adapter.get_positions()) == []
