"""Failure paths end to end: expired tokens, 429, lost replies, code 201, 5xx, refused
connections. The adapter never retries; it classifies."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown, RateLimited, SessionExpired
from ordo.domain import Exchange, OrderRequest, OrderStatus, OrderType, Side, SymbolRef
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.fake import master_path
from ordo_adapter_fyers.testing import FyersHarness

TAG = order_tag("faults", "key", "0")
ORDER = OrderRequest(
    exchange=Exchange.NSE,
    symbol="SBIN",
    side=Side.BUY,
    quantity=1,
    order_type=OrderType.LIMIT,
    price=Decimal("700.00"),
)


async def test_expired_token_is_session_expired(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    harness.expire_sessions()
    with pytest.raises(SessionExpired) as info:
        await adapter.get_funds()
    assert info.value.broker_code == "-17"
    with pytest.raises(SessionExpired):
        await adapter.place_order(ORDER, TAG)
    assert harness.fake.book.orders == {}
    # A fresh login works again.
    await harness.login(adapter)
    assert (await adapter.get_funds()).available > 0


async def test_rate_limited_carries_retry_after(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    harness.rate_limit_next(2.5)
    with pytest.raises(RateLimited) as info:
        await adapter.place_order(ORDER, TAG)
    assert info.value.retry_after == 2.5
    assert info.value.broker_code == "-429"
    assert harness.fake.book.orders == {}
    harness.rate_limit_next(0.25)
    with pytest.raises(RateLimited) as read:
        await adapter.list_orders()
    assert read.value.retry_after == 0.25


async def test_lost_reply_is_outcome_unknown_then_found_by_tag(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    harness.fake.drop_next_reply()
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(ORDER, TAG)
    [found] = await adapter.find_orders_by_tag(TAG)
    assert (found.tag, found.status, found.price) == (TAG, OrderStatus.OPEN, Decimal(700))
    # The same for a cancel whose reply is lost.
    harness.fake.drop_next_reply()
    with pytest.raises(OutcomeUnknown):
        await adapter.cancel_order(found.order_id)
    assert (await adapter.get_order(found.order_id)).status is OrderStatus.CANCELLED


async def test_code_201_is_outcome_unknown(adapter: FyersAdapter, harness: FyersHarness) -> None:
    harness.fake.no_ack_next_place()
    with pytest.raises(OutcomeUnknown) as info:
        await adapter.place_order(ORDER, TAG)
    assert info.value.broker_code == "201"
    assert len(await adapter.find_orders_by_tag(TAG)) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_on_a_write_is_outcome_unknown(
    adapter: FyersAdapter, harness: FyersHarness, status: int
) -> None:
    harness.fake.fail_next(status)
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(ORDER, TAG)
    # The fake failed before acting, which the adapter cannot know: reconciliation can.
    assert await adapter.find_orders_by_tag(TAG) == []


async def test_5xx_on_a_read_is_unavailable(adapter: FyersAdapter, harness: FyersHarness) -> None:
    harness.fake.fail_next(500)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_positions()
    assert await adapter.get_positions() == []


async def test_refused_connection_is_unavailable_even_for_writes(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    harness.fake.refuse_connections = True
    with pytest.raises(BrokerUnavailable):
        await adapter.place_order(ORDER, TAG)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_funds()
    harness.fake.refuse_connections = False
    assert await adapter.find_orders_by_tag(TAG) == []


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_real_connection_refused_is_unavailable(
    harness: FyersHarness, tmp_path: Path
) -> None:
    seed = harness.create_adapter("seed")
    session = await harness.login(seed)
    await seed.aclose()
    base = f"http://127.0.0.1:{_closed_port()}"
    settings = harness.settings(
        api_base_url=f"{base}/api/v3",
        data_base_url=f"{base}/data",
        symbol_master_sources=[master_path("NSE_CM_sym_master.json")],
    )
    adapter = FyersAdapter(settings, AdapterContext(account="down", data_dir=tmp_path))
    adapter.restore_session(session)
    with pytest.raises(BrokerUnavailable):
        await adapter.place_order(ORDER, TAG)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_quotes([SymbolRef.parse("NSE:SBIN")])
    with pytest.raises(BrokerUnavailable):
        await adapter.get_funds()
    await adapter.aclose()
