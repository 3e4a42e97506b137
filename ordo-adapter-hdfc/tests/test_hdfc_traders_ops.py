"""Exiting open positions with opposite orders (HDFC has no exit-positions endpoint), and
the order history HDFC does not report (its API has one order's current row, no trail)."""

from __future__ import annotations

import pytest
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import UnsupportedOperation
from ordo.domain import Exchange, OrderRequest, OrderType, Product, Side, SymbolRef
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc.adapter import HdfcAdapter

OPTION = SymbolRef.parse("NFO:NIFTY31JAN3021500CE")


def _tag(leg: int) -> str:
    return order_tag("hdfc-tests", "ops", str(leg))


def test_capabilities() -> None:
    assert Capability.EXIT_POSITIONS in HdfcAdapter.capabilities
    assert Capability.ORDER_HISTORY not in HdfcAdapter.capabilities


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


async def test_order_history_is_not_supported(hdfc: HdfcAdapter) -> None:
    with pytest.raises(UnsupportedOperation, match="history"):
        await hdfc.get_order_history("24043000401982")
