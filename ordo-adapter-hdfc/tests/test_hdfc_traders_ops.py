"""Exiting open positions with opposite orders (HDFC has no exit-positions endpoint), and
one order's history, rebuilt from its row and its fills (HDFC keeps no status trail)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import OrderNotFound
from ordo.domain import Exchange, OrderRequest, OrderStatus, OrderType, Product, Side, SymbolRef
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc.adapter import HdfcAdapter

OPTION = SymbolRef.parse("NFO:NIFTY31JAN3021500CE")


def _tag(leg: int) -> str:
    return order_tag("hdfc-tests", "ops", str(leg))


def test_capabilities() -> None:
    assert {Capability.EXIT_POSITIONS, Capability.ORDER_HISTORY} <= HdfcAdapter.capabilities


async def test_exit_orders_close_the_net_position(hdfc: HdfcAdapter) -> None:
    sell = OrderRequest(
        exchange=Exchange.NFO,
        symbol=OPTION.symbol,
        side=Side.SELL,
        quantity=100,
        product=Product.NRML,
    )
    await hdfc.place_order(sell, _tag(0))
    exits = hdfc.exit_orders(await hdfc.get_positions())
    assert [(o.symbol, o.side, o.quantity, o.product, o.order_type) for _, o in exits] == [
        (OPTION.symbol, Side.BUY, 100, Product.NRML, OrderType.MARKET)
    ]
    await hdfc.place_order(exits[0][1], _tag(1))
    [position] = await hdfc.get_positions()
    assert position.quantity == 0
    assert hdfc.exit_orders([position]) == []


async def test_history_of_a_filled_order(hdfc: HdfcAdapter) -> None:
    buy = OrderRequest(
        exchange=Exchange.NFO,
        symbol=OPTION.symbol,
        side=Side.BUY,
        quantity=100,
        product=Product.NRML,
    )
    ack = await hdfc.place_order(buy, _tag(2))
    history = await hdfc.get_order_history(ack.order_id)
    assert [(h.status, h.filled_quantity) for h in history] == [
        (OrderStatus.OPEN, 0),
        (OrderStatus.FILLED, 100),
    ]
    assert history[-1].average_price is not None
    assert history[-1].average_price > 0


async def test_history_of_a_cancelled_order(hdfc: HdfcAdapter) -> None:
    resting = OrderRequest(
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=1,
        order_type=OrderType.LIMIT,
        price=Decimal("700.00"),
    )
    ack = await hdfc.place_order(resting, _tag(3))
    await hdfc.cancel_order(ack.order_id)
    history = await hdfc.get_order_history(ack.order_id)
    assert [h.status for h in history] == [OrderStatus.OPEN, OrderStatus.CANCELLED]
    assert {h.price for h in history} == {Decimal("700")}


async def test_history_of_an_unknown_order(hdfc: HdfcAdapter) -> None:
    with pytest.raises(OrderNotFound):
        await hdfc.get_order_history("24043000401982")
