"""Replies that are not the documented Fyers shape never crash the adapter and never count
as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown
from ordo.domain import Exchange, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.testing import FyersHarness
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

FYERS_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"s": "pending", "code": 200, "message": ""}'),
    MalformedReply("no_status_word", 200, b'{"code": 200, "message": "done"}'),
    MalformedReply("ok_without_payload", 200, b'{"s": "ok", "code": 200, "message": ""}'),
    MalformedReply(
        "payload_wrong_type",
        200,
        b'{"s": "ok", "code": 200, "orderBook": "x",'
        b' "fund_limit": "x", "netPositions": 7, "tradeBook": {}, "id": ""}',
    ),
)


Operation = BrokerCall[FyersAdapter]


async def _place(adapter: FyersAdapter) -> Any:
    return await adapter.place_order(ORDER, TAG)


OPERATIONS = (
    Operation("get_funds", "GET", "/funds", lambda a: a.get_funds(), BrokerUnavailable),
    Operation("get_positions", "GET", "/positions", lambda a: a.get_positions(), BrokerUnavailable),
    Operation("list_orders", "GET", "/orders", lambda a: a.list_orders(), BrokerUnavailable),
    Operation(
        "find_orders_by_tag",
        "GET",
        "/orders",
        lambda a: a.find_orders_by_tag(TAG),
        BrokerUnavailable,
    ),
    Operation("get_trades", "GET", "/tradebook", lambda a: a.get_trades(), BrokerUnavailable),
    Operation("place_order", "POST", "/orders/sync", _place, OutcomeUnknown),
    Operation(
        "cancel_order",
        "DELETE",
        "/orders/sync",
        lambda a: a.cancel_order("808080"),
        OutcomeUnknown,
    ),
)


@pytest.fixture
async def wired(harness: FyersHarness) -> AsyncIterator[tuple[FyersAdapter, ReplyOverride]]:
    override = ReplyOverride(harness.transport)
    adapter = FyersAdapter(
        harness.settings(),
        AdapterContext(account="bad", data_dir=harness.data_dir / "bad", transport=override),
    )
    await harness.login(adapter)
    await adapter.load_instruments()
    yield adapter, override
    await adapter.aclose()


@pytest.mark.parametrize("reply", FYERS_REPLIES, ids=lambda r: r.name)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
async def test_malformed_reply_is_classified(
    wired: tuple[FyersAdapter, ReplyOverride], operation: Operation, reply: MalformedReply
) -> None:
    await check_classified(*wired, operation, reply)
