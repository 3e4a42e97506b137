"""Replies that are not the documented InvestRight shape never crash the adapter and never
count as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.adapters.errors import BrokerUnavailable
from ordo.domain import SymbolRef
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_testing.malformed import (
    CANCELLED_ORDER_ID,
    MALFORMED_REPLIES,
    BrokerCall,
    BrokerRoutes,
    MalformedReply,
    ReplyOverride,
    check_classified,
    standard_calls,
)

HDFC_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"status": "pending", "data": {}}'),
    MalformedReply("no_envelope", 200, b'{"message": "done"}'),
    MalformedReply("payload_wrong_type", 200, b'{"status": "success", "data": 7}'),
)
ROUTES = BrokerRoutes(
    funds=("GET", "/user/margins"),
    positions=("GET", "/portfolio/cumulative-positions"),
    orders=("GET", "/v1/orders"),
    trades=("GET", "/v1/trades"),
    place=("POST", "/orders/regular"),
    cancel=("DELETE", f"/orders/regular/{CANCELLED_ORDER_ID}"),
)
OPERATIONS = (
    *standard_calls(ROUTES, SymbolRef.parse("NSE:SBIN"), Decimal("700.00")),
    BrokerCall(
        "get_holdings", "GET", "/portfolio/holdings", lambda a: a.get_holdings(), BrokerUnavailable
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
    wired: tuple[HdfcAdapter, ReplyOverride],
    operation: BrokerCall[BrokerAdapter],
    reply: MalformedReply,
) -> None:
    await check_classified(*wired, operation, reply)
