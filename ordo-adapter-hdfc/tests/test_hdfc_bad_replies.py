"""Replies that are not the documented InvestRight shape never crash the adapter and never
count as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown
from ordo.domain import Exchange, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_testing.malformed import (
    MALFORMED_REPLIES,
    BrokerCall,
    MalformedReply,
    ReplyOverride,
    check_classified,
)

ORDER = OrderRequest(
    exchange=Exchange.NSE,
    symbol="SBIN",
    side=Side.BUY,
    quantity=1,
    order_type=OrderType.LIMIT,
    price=Decimal("700.00"),
)
TAG = order_tag("bad-replies", "key", "0")

HDFC_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"status": "pending", "data": {}}'),
    MalformedReply("no_envelope", 200, b'{"message": "done"}'),
    MalformedReply("payload_wrong_type", 200, b'{"status": "success", "data": 7}'),
)


Operation = BrokerCall[HdfcAdapter]


async def _place(adapter: HdfcAdapter) -> Any:
    return await adapter.place_order(ORDER, TAG)


OPERATIONS = (
    Operation("get_funds", "GET", "/user/margins", lambda a: a.get_funds(), BrokerUnavailable),
    Operation(
        "get_positions",
        "GET",
        "/portfolio/cumulative-positions",
        lambda a: a.get_positions(),
        BrokerUnavailable,
    ),
    Operation(
        "get_holdings", "GET", "/portfolio/holdings", lambda a: a.get_holdings(), BrokerUnavailable
    ),
    Operation("list_orders", "GET", "/v1/orders", lambda a: a.list_orders(), BrokerUnavailable),
    Operation(
        "find_orders_by_tag",
        "GET",
        "/v1/orders",
        lambda a: a.find_orders_by_tag(TAG),
        BrokerUnavailable,
    ),
    Operation("get_trades", "GET", "/v1/trades", lambda a: a.get_trades(), BrokerUnavailable),
    Operation("place_order", "POST", "/orders/regular", _place, OutcomeUnknown),
    Operation(
        "cancel_order",
        "DELETE",
        "/orders/regular/808080",
        lambda a: a.cancel_order("808080"),
        OutcomeUnknown,
    ),
)


@pytest.fixture
async def wired(hdfc_harness: HdfcHarness) -> AsyncIterator[tuple[HdfcAdapter, ReplyOverride]]:
    override = ReplyOverride(hdfc_harness.transport)
    adapter = HdfcAdapter(
        hdfc_harness.settings(),
        AdapterContext(account="bad", data_dir=hdfc_harness.data_dir / "bad", transport=override),
    )
    await adapter.start()
    await hdfc_harness.login(adapter)
    await adapter.load_instruments()
    yield adapter, override
    await adapter.aclose()


@pytest.mark.parametrize("reply", HDFC_REPLIES, ids=lambda r: r.name)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
async def test_malformed_reply_is_classified(
    wired: tuple[HdfcAdapter, ReplyOverride], operation: Operation, reply: MalformedReply
) -> None:
    await check_classified(*wired, operation, reply)
