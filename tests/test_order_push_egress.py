"""Order-event watching leaves through the account's egress like every other broker call,
per broker with a push channel (Fyers order WebSocket, m.Stock socket): a gateway whose
account is configured with ``egress.source_address: 127.0.0.2``, or with the test kit's
HTTP (CONNECT) or SOCKS5 proxy with user and password, is seen by the fake (served on
127.0.0.1) at that address, for its HTTP calls and for its socket, and order changes made
at the fake still arrive through the push channel. A proxy that refuses the credentials
leaves the password out of every log line, the status and the audit."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from loguru import logger
from ordo.audit.secret_values import encoded_forms
from ordo.config import Settings, load_settings
from ordo.domain import LoginChallenge, OrderType, Side
from ordo.events.model import OrderEvent
from ordo.events.watcher import OrderWatcher
from ordo.runtime import OrdoRuntime
from ordo_testing.loopback import PeerRecorder, serving_on_loopback
from ordo_testing.matching import OrderTicket
from ordo_testing.proxies import RunningProxy, http_proxy, socks5_proxy
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "order-push-egress-token-0123456789"
ACCOUNT = "desk"
PROXY_USER = "desk-user"
PROXY_PASSWORD = "proxy-secret-0123456789"
LISTING = "NSE:SBIN-EQ"
PRICE = Decimal("700.00")
WAIT_SECONDS = 30.0
"""A bound on how long a test may hang, never a timing assertion."""


@dataclass
class Broker:
    adapter: str
    recorder: PeerRecorder
    """The fake's ASGI app (HTTP and socket), recording each caller's address."""
    settings: Callable[[str], dict[str, Any]]
    """Adapter settings pointing every URL (HTTP and socket) at the fake's base URL."""
    socket_path: str
    answer: Callable[[LoginChallenge], str]
    fake: Any
    engine: Any
    socket_ready: Callable[[], bool]


def fyers(tmp_path: Path) -> Broker:
    from ordo_adapter_fyers.fake import MASTER_FILES
    from ordo_adapter_fyers.fake import create_app as fake_app
    from ordo_adapter_fyers.testing import FyersHarness

    h = FyersHarness(tmp_path / "fyers-fake")

    def settings(base: str) -> dict[str, Any]:
        return dict(
            h.settings(
                api_base_url=f"{base}/api/v3",
                data_base_url=f"{base}/data",
                login_base_url=f"{base}/vagator/v2",
                symbol_master_sources=[f"{base}/sym_details/{name}" for name in MASTER_FILES],
                order_push=True,
                order_socket_url=base.replace("http", "ws", 1) + "/trade/v3",
            )
        )

    return Broker(
        adapter="fyers",
        recorder=PeerRecorder(fake_app(h.fake)),
        settings=settings,
        socket_path="/trade/v3",
        answer=h.answer,
        fake=h.fake,
        engine=h.fake.book.engine,
        socket_ready=lambda: True,  # the fake takes its baseline when it accepts
    )


def mirae(tmp_path: Path) -> Broker:
    from ordo_adapter_mirae.testing import MiraeHarness

    h = MiraeHarness(tmp_path / "mirae-fake")

    def settings(base: str) -> dict[str, Any]:
        return dict(
            h.settings(base_url=base, order_push=True, socket_url=base.replace("http", "ws", 1))
        )

    return Broker(
        adapter="mirae",
        recorder=PeerRecorder(h.fake.app),
        settings=settings,
        socket_path="/",
        answer=h.answer,
        fake=h.broker,
        engine=h.broker.book.engine,
        socket_ready=lambda: h.broker.socket_logins > 0,  # pushes once LOGIN is read
    )


BROKERS = {"fyers": fyers, "mirae": mirae}


@dataclass
class Route:
    """One account's egress config and where the fake should see it."""

    egress: dict[str, Any]
    seen_at: str
    proxy: RunningProxy | None = None


@asynccontextmanager
async def route(kind: str) -> AsyncIterator[Route]:
    credentials = {"proxy_username": PROXY_USER, "proxy_password": PROXY_PASSWORD}
    if kind == "source":
        yield Route({"source_address": "127.0.0.2", "registered_ips": ["127.0.0.2"]}, "127.0.0.2")
    elif kind == "socks5":
        async with socks5_proxy(outbound="127.0.0.5", auth=(PROXY_USER, PROXY_PASSWORD)) as p:
            egress = {"proxy": p.url, "registered_ips": ["127.0.0.5"], **credentials}
            yield Route(egress, "127.0.0.5", p)
    else:
        async with http_proxy(outbound="127.0.0.6", auth=(PROXY_USER, PROXY_PASSWORD)) as p:
            egress = {"proxy": p.url, "registered_ips": ["127.0.0.6"], **credentials}
            yield Route(egress, "127.0.0.6", p)


def gateway_settings(tmp_path: Path, broker: Broker, base: str, egress: Any) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        log_level="WARNING",
        order_watch_interval_seconds=3600,  # never polls within the test
        accounts={
            ACCOUNT: {
                "adapter": broker.adapter,
                "settings": broker.settings(base),
                "egress": egress,
            }
        },
    )


async def log_in(client: httpx.AsyncClient, broker: Broker) -> None:
    step = (await client.post(f"/api/v1/accounts/{ACCOUNT}/login")).json()
    for _ in range(6):
        assert step["status"] == "success", step
        if step["data"]["state"] == "active":
            break
        challenge = step["data"]["challenge"]
        answer = broker.answer(LoginChallenge.model_validate(challenge))
        url = f"/api/v1/accounts/{ACCOUNT}/login/{challenge['challenge_id']}"
        step = (await client.post(url, json={"answer": answer})).json()
    assert step["data"]["state"] == "active", step


async def watching(gw: InProcessGateway) -> OrderWatcher:
    runtime: OrdoRuntime = gw.runtime
    await runtime.watchers.sync()
    _, watcher = runtime.watchers.running[ACCOUNT]
    return watcher


async def until_polled(predicate: Callable[[], bool]) -> None:
    """Neither the watcher nor the fakes' sockets notify: look every 10 ms (bounded)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def events_of(gw: InProcessGateway, order_id: str, count: int) -> list[OrderEvent]:
    """The order's events once there are ``count`` of them (waits on the event log)."""
    log = gw.runtime.events
    async with asyncio.timeout(WAIT_SECONDS):
        while len(events := await log.for_order(ACCOUNT, order_id)) < count:
            await log.wait_after(log.last_id, WAIT_SECONDS)
    return events


@pytest.mark.parametrize("kind", ["source", "socks5", "http"])
@pytest.mark.parametrize("name", sorted(BROKERS))
async def test_the_order_socket_leaves_through_the_account_egress(
    name: str, kind: str, tmp_path: Path
) -> None:
    broker = BROKERS[name](tmp_path)
    async with (
        route(kind) as way,
        serving_on_loopback(broker.recorder) as fake_url,
    ):
        settings = gateway_settings(tmp_path, broker, fake_url, way.egress)
        async with gateway_in_process(settings, token=TOKEN) as gw:
            await log_in(gw.client, broker)
            watcher = await watching(gw)
            await until_polled(lambda: watcher.push_connected and broker.socket_ready())
            ticket = OrderTicket(
                key=LISTING, side=Side.BUY, quantity=5, order_type=OrderType.LIMIT, price=PRICE
            )
            order_id = broker.engine.place(ticket).order_id  # placed at the broker directly
            await events_of(gw, order_id, 1)
            broker.fake.fill_partly(order_id, 2, PRICE)
            events = await events_of(gw, order_id, 2)
            sockets = [p for p in broker.recorder.peers if p.method == "WS"]
            assert watcher.polls == 0  # both changes came through the push channel
            assert watcher.push_opens == 1
    assert [(e.status, e.filled_quantity) for e in events] == [
        ("OPEN", 0),
        ("PARTIALLY_FILLED", 2),
    ]
    assert [p.path for p in sockets] == [broker.socket_path]
    # Every call of the account, its socket included, left by its egress.
    assert set(broker.recorder.hosts()) == {way.seen_at}
    assert len(broker.recorder.peers) > len(sockets)  # the login's HTTP calls too
    if way.proxy is not None:
        port = int(fake_url.rsplit(":", 1)[1])
        tunnels = [h for h in way.proxy.hits if h.mode in ("connect", "socks5")]
        assert tunnels, way.proxy.hits
        assert {(h.target_host, h.target_port, h.user) for h in tunnels} == {
            ("127.0.0.1", port, PROXY_USER)
        }
        assert way.proxy.refused == 0
        if kind == "http":
            # The socket (ws://) was tunnelled with CONNECT; plain HTTP calls are forwarded.
            assert [h.mode for h in way.proxy.hits].count("connect") == 1


@pytest.mark.parametrize("kind", ["socks5", "http"])
async def test_a_proxy_refusing_the_socket_keeps_its_password_out_of_logs_status_and_audit(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The account's HTTP calls reach the fake in-process; its socket goes to a proxy
    that knows another password, so the push channel fails and is retried."""
    broker = fyers(tmp_path)
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message} | {exception}")
    caplog.set_level(logging.DEBUG)
    proxy_kind = socks5_proxy if kind == "socks5" else http_proxy
    try:
        async with (
            proxy_kind(auth=(PROXY_USER, "the-proxy-wants-another-one")) as proxy,
            serving_on_loopback(broker.recorder) as fake_url,
        ):
            egress = {
                "proxy": proxy.url,
                "proxy_username": PROXY_USER,
                "proxy_password": PROXY_PASSWORD,
                "registered_ips": ["127.0.0.5"],
            }
            settings = gateway_settings(tmp_path, broker, fake_url, egress)
            # In-process HTTP: only the socket meets the proxy.
            transport = httpx.ASGITransport(app=broker.recorder)
            async with gateway_in_process(
                settings, token=TOKEN, transports={ACCOUNT: transport}
            ) as gw:
                await log_in(gw.client, broker)
                watcher = await watching(gw)
                await until_polled(lambda: watcher.push_failures >= 1)
                status = (await gw.client.get("/api/v1/status")).text
                audit = (await gw.client.get("/api/v1/audit")).text
    finally:
        logger.remove(sink)
    assert proxy.refused >= 1
    assert proxy.hits == []
    assert [p for p in broker.recorder.peers if p.method == "WS"] == []
    logged = "\n".join(lines + [r.getMessage() for r in caplog.records])
    assert "egress proxy" in logged  # the failure is logged, naming the proxy as the cause
    basic = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
    for text in (logged, status, audit):
        for form in encoded_forms(PROXY_PASSWORD) | {basic}:  # raw, URL-quoted, base64
            assert form not in text
        assert f"{PROXY_USER}:" not in text  # no URL with credentials in any form
