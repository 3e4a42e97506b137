"""The fake itself: its rate limits, its replies, and the standalone server over loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import OutcomeUnknown, RateLimited
from ordo.domain import (
    BrokerSession,
    Exchange,
    LoginChallenge,
    OrderRequest,
    OrderType,
    Side,
    SymbolRef,
)
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.fake import FakeFyers, create_app
from ordo_adapter_fyers.fake.__main__ import rehearsal_settings
from ordo_adapter_fyers.fake.state import Rejected
from ordo_adapter_fyers.mapping import STATUS_EXPIRED
from ordo_adapter_fyers.settings import FyersSettings
from ordo_adapter_fyers.testing import FyersHarness
from ordo_testing.matching import OrderState, OrderTicket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_ten_per_second_through_the_adapter(tmp_path: Path) -> None:
    clock = Clock()
    harness = FyersHarness(tmp_path, enforce_rate_limits=True, clock=clock)
    adapter = harness.create_adapter()
    await harness.login(adapter)  # validate-authcode counts as one call
    for _ in range(9):
        await adapter.list_orders()
    with pytest.raises(RateLimited) as info:
        await adapter.list_orders()
    assert info.value.retry_after == 1.0
    clock.now += 1.0
    assert await adapter.list_orders() == []
    await adapter.aclose()
    await harness.aclose()


def test_minute_limit_and_the_daily_block() -> None:
    clock = Clock()
    fake = FakeFyers(clock=clock)
    for _ in range(200):
        fake.admit()
        clock.now += 0.2
    with pytest.raises(Rejected) as info:
        fake.admit()
    assert (info.value.status, info.value.code) == (429, -429)
    # The first call of the window (40 s ago) leaves it in 20 s.
    assert info.value.headers == {"Retry-After": "20", "X-Retry-After-Ms": "20000"}
    for _ in range(3):
        with pytest.raises(Rejected):
            fake.admit()
    assert fake.blocked_for_day
    clock.now += 3600
    with pytest.raises(Rejected, match="blocked"):
        fake.admit()


async def _client(fake: FakeFyers) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(fake)), base_url="https://api-t1.fyers.in"
    )


async def test_envelopes_and_errors_of_the_fake() -> None:
    fake = FakeFyers(enforce_rate_limits=False)
    async with await _client(fake) as client:
        reply = await client.get("/api/v3/funds")
        assert (reply.status_code, reply.json()["code"]) == (401, -16)
        reply = await client.get("/api/v3/funds", headers={"Authorization": "WRONG-100:x"})
        assert reply.json() == {"s": "error", "code": -352, "message": "Invalid App ID"}
        reply = await client.get("/api/v3/funds", headers={"Authorization": f"{fake.app_id}:x"})
        assert (reply.status_code, reply.json()["code"]) == (401, -15)
        tokens = fake.validate_auth_code(
            {
                "grant_type": "authorization_code",
                "appIdHash": fake.app_id_hash,
                "code": parse_qs(urlsplit(fake.issue_auth_code()).query)["auth_code"][0],
            }
        )
        auth = {"Authorization": f"{fake.app_id}:{tokens['access_token']}"}
        funds = (await client.get("/api/v3/funds", headers=auth)).json()
        assert (funds["s"], funds["code"], len(funds["fund_limit"])) == ("ok", 200, 10)
        many = ",".join(["NSE:SBIN-EQ"] * 51)
        reply = await client.get("/data/quotes", params={"symbols": many}, headers=auth)
        assert (reply.status_code, reply.json()["code"]) == (400, -50)
        reply = await client.get(
            "/data/quotes", params={"symbols": "NSE:M&M-EQ,NSE:NOPE-EQ"}, headers=auth
        )
        items = reply.json()["d"]
        assert [(i["n"], i["s"]) for i in items] == [("NSE:M&M-EQ", "ok"), ("NSE:NOPE-EQ", "error")]
        assert items[1]["v"]["code"] == -300
        reply = await client.request(
            "DELETE", "/api/v3/orders/sync", content=b"not json", headers=auth
        )
        assert reply.json()["code"] == -50
        reply = await client.post(
            "/api/v3/orders/sync",
            json={
                "symbol": "NSE:SBIN-EQ",
                "qty": 1,
                "type": 9,
                "side": 1,
                "productType": "CNC",
                "validity": "DAY",
            },
            headers=auth,
        )
        assert reply.json()["code"] == -101
        placed = await client.post(
            "/api/v3/orders/sync",
            json={
                "symbol": "NSE:SBIN-EQ",
                "qty": 1,
                "type": 1,
                "side": 1,
                "productType": "CNC",
                "validity": "DAY",
                "limitPrice": 700,
                "stopPrice": 0,
                "orderTag": "T1",
            },
            headers=auth,
        )
        assert placed.json()["code"] == 1101
        order_id = placed.json()["id"]
        book = await client.get("/api/v3/orders", params={"order_tag": "1:T1"}, headers=auth)
        assert [o["orderTag"] for o in book.json()["orderBook"]] == ["1:T1"]
        gone = await client.delete(f"/api/v3/orders/{order_id}/sync", headers=auth)
        assert gone.json()["code"] == 1103
        assert (await client.get("/sym_details/NOPE.csv")).status_code == 404
        wrong = await client.get("/api/v3/generate-authcode", params={"client_id": "X-100"})
        assert wrong.json()["code"] == -352


async def test_rehearsal_switches_over_http() -> None:
    fake = FakeFyers(enforce_rate_limits=False)
    async with await _client(fake) as client:
        await client.post("/_fake/price", json={"symbol": "NSE:SBIN-EQ", "price": "812.5"})
        assert fake.book.prices["NSE:SBIN-EQ"] == Decimal("812.5")
        await client.post("/_fake/latency", json={"seconds": 0.01})
        assert fake.latency == 0.01
        await client.post("/_fake/rate-limit-next", json={"retry_after": 3})
        assert fake.fault.rate_limit_next == 3.0
        await client.post("/_fake/fail-next", json={"status": 503})
        assert fake.fault.fail_next == [503]
        for switch in ("expire-tokens", "drop-next-reply", "no-ack-next-place"):
            assert (await client.post(f"/_fake/{switch}")).json()["switch"] == switch
        assert fake.fault.drop_next_write
        assert fake.fault.no_ack_next_place
        assert (await client.post("/_fake/nope")).status_code == 404
        callback = await client.get("/callback", params={"auth_code": "abc"})
        assert "auth_code=abc" in callback.text


@pytest.fixture
def served() -> Iterator[tuple[FakeFyers, str]]:
    fake = FakeFyers(enforce_rate_limits=False)
    config = uvicorn.Config(create_app(fake), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield fake, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


async def test_standalone_server_rehearsal(served: tuple[FakeFyers, str], tmp_path: Path) -> None:
    fake, base = served
    values = rehearsal_settings(base, fake.app_id, fake.app_secret)
    values["redirect_uri"] = fake.redirect_uri
    settings = FyersSettings.model_validate(values | {"read_timeout": 0.5})
    adapter = FyersAdapter(settings, AdapterContext(account="rehearsal", data_dir=tmp_path))
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert (challenge.url or "").startswith(f"{base}/api/v3/generate-authcode?")
    async with httpx.AsyncClient() as browser:
        redirected = (await browser.get(challenge.url or "")).headers["location"]
    session = await adapter.complete_login(challenge, redirected)
    assert isinstance(session, BrokerSession)
    adapter.restore_session(session)
    assert len(await adapter.get_quotes([await _sbin(adapter)])) == 1
    order = OrderRequest(
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=1,
        order_type=OrderType.LIMIT,
        price=Decimal("700.00"),
    )
    tag = order_tag("rehearsal", "k", "0")
    # The reply is slower than the read timeout: the order took effect, the reply did not come.
    fake.latency = 0.9
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(order, tag)
    fake.latency = 0.0
    assert len(await adapter.find_orders_by_tag(tag)) == 1
    await adapter.aclose()


async def _sbin(adapter: FyersAdapter) -> SymbolRef:
    instrument = (await adapter.search_instruments("SBIN"))[0]
    return instrument.ref


async def test_after_ack_switches_over_http() -> None:
    fake = FakeFyers(enforce_rate_limits=False)
    engine = fake.book.engine
    listing = engine.listings["NSE:SBIN-EQ"]
    below = listing.last_price - 20 * listing.tick_size

    def resting() -> str:
        ticket = OrderTicket(
            key=listing.key, side=Side.BUY, quantity=5, order_type=OrderType.LIMIT, price=below
        )
        return engine.place(ticket).order_id

    partly, rejected, expiring = resting(), resting(), resting()
    async with await _client(fake) as client:
        filled = await client.post("/_fake/fill-partly", json={"id": partly, "qty": 2})
        assert filled.json() == {"ok": True, "switch": "fill-partly"}
        too_many = await client.post("/_fake/fill-partly", json={"id": partly, "qty": 9})
        assert too_many.status_code == 409
        reason = "RMS:Exposure limit breached"
        await client.post("/_fake/reject-after-ack", json={"id": rejected, "message": reason})
        assert (await client.post("/_fake/expire-day")).status_code == 200
        again = await client.post("/_fake/reject-after-ack", json={"id": rejected})
        assert again.status_code == 409
    assert (engine.orders[partly].filled_quantity, engine.orders[partly].state) == (
        2,
        OrderState.EXPIRED,
    )
    assert (engine.orders[rejected].state, engine.orders[rejected].reason) == (
        OrderState.REJECTED,
        reason,
    )
    assert engine.orders[expiring].state is OrderState.EXPIRED
    assert fake.book.order_row(engine.orders[expiring])["status"] == STATUS_EXPIRED
