"""The fake served by uvicorn on loopback, as for offline rehearsal: real sockets, real
timeouts, a lost reply that stalls until the client gives up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown
from ordo.domain import BrokerSession, Exchange, LoginChallenge, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.fake import FakeBroker, FakeConfig, create_app
from ordo_adapter_hdfc.settings import HdfcSettings
from ordo_testing.matching import OrderState, OrderTicket
from pydantic import SecretStr

ORDER = OrderRequest(
    exchange=Exchange.NSE,
    symbol="SBIN",
    side=Side.BUY,
    quantity=1,
    order_type=OrderType.LIMIT,
    price=Decimal("700.00"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def served() -> Iterator[tuple[str, FakeBroker]]:
    port = _free_port()
    broker = FakeBroker(
        FakeConfig(stall_on_lost_reply=0.6, redirect_url=f"http://127.0.0.1:{port}/callback")
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(broker), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", broker
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def _adapter(base_url: str, broker: FakeBroker, data_dir: Path) -> HdfcAdapter:
    settings = HdfcSettings(
        api_key=SecretStr(broker.config.api_key),
        api_secret=SecretStr(broker.config.api_secret),
        username=broker.config.username,
        password=SecretStr(broker.config.password),
        base_url=base_url,
        read_timeout=0.2,
        status_poll_interval=0.0,
    )
    return HdfcAdapter(settings, AdapterContext(account="rehearsal", data_dir=data_dir))


async def _login(adapter: HdfcAdapter, broker: FakeBroker) -> None:
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert isinstance(await adapter.complete_login(challenge, broker.config.otp), BrokerSession)


async def test_rehearsal_over_loopback(served: tuple[str, FakeBroker], tmp_path: Path) -> None:
    base_url, broker = served
    adapter = _adapter(base_url, broker, tmp_path)
    await adapter.start()
    await _login(adapter, broker)
    assert (await adapter.get_funds()).total == Decimal("100000.0")
    ack = await adapter.place_order(ORDER, order_tag("r", "k", "0"))
    assert (await adapter.get_order(ack.order_id)).price == Decimal(700)
    assert (tmp_path / "hdfc-security-master.csv").exists()

    broker.switches.delay = 0.5  # slower than the adapter's 0.2 s read timeout
    with pytest.raises(BrokerUnavailable):
        await adapter.get_funds()
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(ORDER, order_tag("r", "k", "1"))
    broker.switches.delay = 0.0
    assert [o.tag for o in await adapter.find_orders_by_tag(order_tag("r", "k", "1"))] == [
        order_tag("r", "k", "1")
    ]

    broker.switches.lose_next_reply = True  # the order is booked, the reply stalls
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(ORDER, order_tag("r", "k", "2"))
    assert len(await adapter.find_orders_by_tag(order_tag("r", "k", "2"))) == 1
    await adapter.aclose()


async def test_browser_login_page_and_control_routes(served: tuple[str, FakeBroker]) -> None:
    base_url, broker = served
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get(
            "/oapi/v1/login",
            params={"api_key": broker.config.api_key},
            headers={"Accept": "text/html"},
        )
        assert page.status_code == 200
        assert "<form" in page.text
        form = {
            "username": broker.config.username,
            "password": broker.config.password,
            "otp": broker.config.otp,
        }
        landed = await client.post(
            "/oapi/v1/login/browser", params={"api_key": broker.config.api_key}, data=form
        )
        assert landed.status_code == 302
        assert landed.headers["location"].startswith(f"{base_url}/callback?request_token=")
        assert (
            await client.post("/_fake/rate-limit-next", params={"retry_after": 3})
        ).status_code == 200
        limited = await client.get("/oapi/v1/orders", params={"api_key": "x"})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "3"
        missing = await client.get("/oapi/v1/portfolio/overall_positions")
        assert missing.status_code == 404
        assert missing.text.startswith("<html>")


async def test_after_ack_control_routes() -> None:
    broker = FakeBroker()
    engine = broker.book.engine
    listing = next(iter(engine.listings.values()))
    below = listing.last_price - 20 * listing.tick_size

    def resting() -> str:
        ticket = OrderTicket(
            key=listing.key, side=Side.BUY, quantity=5, order_type=OrderType.LIMIT, price=below
        )
        return engine.place(ticket).order_id

    partly, rejected, expiring = resting(), resting(), resting()
    transport = httpx.ASGITransport(app=create_app(broker))
    async with httpx.AsyncClient(transport=transport, base_url="http://hdfc.fake") as client:
        filled = await client.post("/_fake/fill-partly", params={"order_id": partly, "quantity": 2})
        assert filled.json() == {"ok": True}
        too_many = await client.post(
            "/_fake/fill-partly", params={"order_id": partly, "quantity": 9}
        )
        assert too_many.status_code == 409
        reason = "RMS: exposure limit breached"
        await client.post(
            "/_fake/reject-after-ack", params={"order_id": rejected, "reason": reason}
        )
        expired = (await client.post("/_fake/expire-day")).json()
        assert expired == {"ok": True, "expired": [partly, expiring]}
    assert (engine.orders[partly].filled_quantity, engine.orders[partly].state) == (
        2,
        OrderState.EXPIRED,
    )
    assert (engine.orders[rejected].state, engine.orders[rejected].reason) == (
        OrderState.REJECTED,
        reason,
    )
