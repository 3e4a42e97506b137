"""Replies that are not the documented m.Stock shape never crash the adapter and never count
as a success: a read becomes ``BrokerUnavailable``, an order write ``OutcomeUnknown``.
(``data`` of ``null``, ``[]`` or ``"None"`` is m.Stock's documented empty book, so it is
not among them.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown
from ordo.domain import Exchange, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.fake import FakeTransport
from ordo_adapter_mirae.testing import MiraeHarness
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

MIRAE_REPLIES = (
    *MALFORMED_REPLIES,
    MalformedReply("unknown_status_word", 200, b'{"status": "pending", "data": null}'),
    MalformedReply("no_status_word", 200, b'{"message": "done", "data": []}'),
    MalformedReply("payload_wrong_type", 200, b'{"status": "success", "data": 7}'),
)


Operation = BrokerCall[MiraeAdapter]


async def _place(adapter: MiraeAdapter) -> Any:
    return await adapter.place_order(ORDER, TAG)


OPERATIONS = (
    Operation("get_funds", "GET", "/user/fundsummary", lambda a: a.get_funds(), BrokerUnavailable),
    Operation(
        "get_positions",
        "GET",
        "/portfolio/positions",
        lambda a: a.get_positions(),
        BrokerUnavailable,
    ),
    Operation("list_orders", "GET", "/orders", lambda a: a.list_orders(), BrokerUnavailable),
    Operation(
        "find_orders_by_tag",
        "GET",
        "/orders",
        lambda a: a.find_orders_by_tag(TAG),
        BrokerUnavailable,
    ),
    Operation("get_trades", "GET", "/tradebook", lambda a: a.get_trades(), BrokerUnavailable),
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
    wired: tuple[MiraeAdapter, ReplyOverride], operation: Operation, reply: MalformedReply
) -> None:
    await check_classified(*wired, operation, reply)
