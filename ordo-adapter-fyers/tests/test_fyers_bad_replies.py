"""Replies that are not the documented Fyers shape never crash the adapter and never count
as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.adapters.errors import BrokerUnavailable
from ordo.domain import SymbolRef
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.testing import FyersHarness
from ordo_testing.malformed import (
    MALFORMED_REPLIES,
    BrokerCall,
    BrokerRoutes,
    MalformedReply,
    ReplyOverride,
    check_classified,
    standard_calls,
)

FYERS_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"s": "pending", "code": 200, "message": ""}'),
    MalformedReply("no_status_word", 200, b'{"code": 200, "message": "done"}'),
    MalformedReply("ok_without_payload", 200, b'{"s": "ok", "code": 200, "message": ""}'),
    MalformedReply(
        "payload_wrong_type",
        200,
        b'{"s": "ok", "code": 200, "orderBook": "x", "fund_limit": "x", "netPositions": 7,'
        b' "tradeBook": {}, "id": ""}',
    ),
)
ROUTES = BrokerRoutes(
    funds=("GET", "/funds"),
    positions=("GET", "/positions"),
    orders=("GET", "/orders"),
    trades=("GET", "/tradebook"),
    place=("POST", "/orders/sync"),
    cancel=("DELETE", "/orders/sync"),
)
OPERATIONS = (
    *standard_calls(ROUTES, SymbolRef.parse("NSE:SBIN"), Decimal("700.00")),
    BrokerCall("get_holdings", "GET", "/holdings", lambda a: a.get_holdings(), BrokerUnavailable),
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
    wired: tuple[FyersAdapter, ReplyOverride],
    operation: BrokerCall[BrokerAdapter],
    reply: MalformedReply,
) -> None:
    await check_classified(*wired, operation, reply)
