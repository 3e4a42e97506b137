"""Replies that are not the documented m.Stock shape never crash the adapter and never count
as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``.
(``data`` of ``null``, ``[]`` or ``"None"`` is m.Stock's documented empty book, so it is
not among them.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.domain import SymbolRef
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.fake import FakeTransport
from ordo_adapter_mirae.testing import MiraeHarness
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

MIRAE_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"status": "pending", "data": null}'),
    MalformedReply("no_status_word", 200, b'{"message": "done", "data": []}'),
    MalformedReply("payload_wrong_type", 200, b'{"status": "success", "data": 7}'),
)
ROUTES = BrokerRoutes(
    funds=("GET", "/user/fundsummary"),
    positions=("GET", "/portfolio/positions"),
    orders=("GET", "/orders"),
    trades=("GET", "/tradebook"),
    place=("POST", "/orders/regular"),
    cancel=("DELETE", f"/orders/regular/{CANCELLED_ORDER_ID}"),
)
OPERATIONS = standard_calls(ROUTES, SymbolRef.parse("NSE:SBIN"), Decimal("700.00"))


@pytest.fixture
async def wired(harness: MiraeHarness) -> AsyncIterator[tuple[MiraeAdapter, ReplyOverride]]:
    override = ReplyOverride(FakeTransport(harness.fake))
    adapter = MiraeAdapter(
        harness.settings(),
        AdapterContext(account="bad", data_dir=harness.data_dir, transport=override),
    )
    await adapter.start()
    await harness.login(adapter)
    await adapter.load_instruments()
    yield adapter, override
    await adapter.aclose()


@pytest.mark.parametrize("reply", MIRAE_REPLIES, ids=lambda r: r.name)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
async def test_malformed_reply_is_classified(
    wired: tuple[MiraeAdapter, ReplyOverride],
    operation: BrokerCall[BrokerAdapter],
    reply: MalformedReply,
) -> None:
    await check_classified(*wired, operation, reply)
