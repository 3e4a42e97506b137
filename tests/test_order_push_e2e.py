"""End to end over loopback, per broker with a push channel (Fyers order WebSocket, m.Stock
socket): Ordo serves HTTP on 127.0.0.1, the broker fake serves its socket on 127.0.0.1,
an order placed through Ordo is filled partly and fully, rejected after its
acknowledgement or cancelled at the fake, and an order placed directly at the fake
appears too. Every change arrives through the PUSH channel (the poll interval is an hour:
the watcher never reads the book), in order, at an SSE client (the SDK's async iterator)
and at a webhook receiver that checks each signature. A fake that refuses the token makes
the channel back off: connection attempts over an hour of fake time are counted."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.adapters.sockets import SocketDialer
from ordo.api.app import create_app
from ordo.config import AccountConfig, load_settings
from ordo.domain import BrokerSession, LoginChallenge, OrderType, Side
from ordo.events.channel import OrderChannel
from ordo.events.watcher import OrderWatcher, refused_backoff
from ordo.runtime import OrdoRuntime
from ordo_client import AsyncOrdo, RetryPolicy
from ordo_client.webhooks import verify_signature
from ordo_testing.loopback import serving_on_loopback
from ordo_testing.matching import OrderTicket
from ordo_testing.server import gateway_in_process
from pydantic import BaseModel, SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.asyncio.client import connect as websockets_connect

TOKEN = "order-push-e2e-token-0123456789"
SECRET = "order-push-e2e-secret-0123456789"
ACCOUNT = "acct"
REJECTION = "RMS: exposure limit breached after acknowledgement"
LISTING = "NSE:SBIN-EQ"
WAIT_SECONDS = 30.0
"""A bound on how long a test may hang, never a timing assertion."""


class Signal:
    """Wakes whoever waits for a condition each time something arrives."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def poke(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait for ``predicate`` (bounded: a broken channel fails the test, never hangs
        it)."""
        async with asyncio.timeout(WAIT_SECONDS):
            while not predicate():
                await self._changed.wait()


class Receiver:
    """A webhook receiver: checks each signature, dedupes by event id and counts."""

    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        self.accepting = True
        self.events: dict[int, dict[str, Any]] = {}
        self.deliveries: Counter[int] = Counter()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        if not self.accepting:
            return Response(status_code=503)
        body = await request.body()
        verify_signature(SECRET, request.headers["ordo-signature"], body)
        event = json.loads(body)
        event_id = int(request.headers["ordo-event-id"])
        assert event_id == event["id"]
        self.deliveries[event_id] += 1
        self.events.setdefault(event_id, event)
        self.signal.poke()
        return Response(status_code=204)


@dataclass
class PushCase:
    adapter: str
    app: Any
    """The fake's ASGI app (HTTP and the socket)."""
    settings: Callable[[str], BaseModel]
    """Adapter settings whose socket URL points at the fake served at the given base."""
    transport: httpx.AsyncBaseTransport
    answer: Callable[[LoginChallenge], str]
    fake: Any
    engine: Any
    socket_ready: Callable[[], bool]
    create_adapter: Callable[[AdapterContext], BrokerAdapter[Any]]
    price: Decimal = Decimal("700.00")
    symbol: tuple[str, str] = ("NSE", "SBIN")


def fyers(tmp_path: Path) -> PushCase:
    from ordo_adapter_fyers.adapter import FyersAdapter
    from ordo_adapter_fyers.fake import create_app as fake_app
    from ordo_adapter_fyers.testing import FyersHarness

    h = FyersHarness(tmp_path / "fyers-fake")

    def settings(base: str) -> BaseModel:
        socket_url = base.replace("http", "ws", 1) + "/trade/v3"
        return h.settings(order_push=True, order_socket_url=socket_url)

    return PushCase(
        adapter="fyers",
        app=fake_app(h.fake),
        settings=settings,
        transport=h.transport,
        answer=h.answer,
        fake=h.fake,
        engine=h.fake.book.engine,
        # The fake takes its baseline when it accepts: a connected channel sees every change.
        socket_ready=lambda: True,
        create_adapter=lambda context: FyersAdapter(
            h.settings(order_socket_url="ws://127.0.0.1:1/trade/v3"), context
        ),
    )


def mirae(tmp_path: Path) -> PushCase:
    from ordo_adapter_mirae.adapter import MiraeAdapter
    from ordo_adapter_mirae.fake import FakeTransport
    from ordo_adapter_mirae.testing import MiraeHarness

    h = MiraeHarness(tmp_path / "mirae-fake")

    def settings(base: str) -> BaseModel:
        return h.settings(order_push=True, socket_url=base.replace("http", "ws", 1))

    return PushCase(
        adapter="mirae",
        app=h.fake.app,
        settings=settings,
        transport=FakeTransport(h.fake),
        answer=h.answer,
        fake=h.broker,
        engine=h.broker.book.engine,
        # Changes are pushed once the fake has read the LOGIN frame.
        socket_ready=lambda: h.broker.socket_logins > 0,
        create_adapter=lambda context: MiraeAdapter(
            h.settings(socket_url="ws://127.0.0.1:1"), context
        ),
    )


CASES = {"fyers": fyers, "mirae": mirae}


async def connected(watcher: OrderWatcher, socket_ready: Callable[[], bool]) -> None:
    """Wait until the channel is up at both ends; neither the watcher nor the fake's
    socket notifies, so this one wait looks every 10 ms (bounded)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not (watcher.push_connected and socket_ready()):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def log_in(client: httpx.AsyncClient, case: PushCase) -> None:
    step = (await client.post(f"/api/v1/accounts/{ACCOUNT}/login")).json()
    for _ in range(6):
        assert step["status"] == "success", step
        if step["data"]["state"] == "active":
            break
        challenge = step["data"]["challenge"]
        answer = case.answer(LoginChallenge.model_validate(challenge))
        url = f"/api/v1/accounts/{ACCOUNT}/login/{challenge['challenge_id']}"
        step = (await client.post(url, json={"answer": answer})).json()
    assert step["data"]["state"] == "active", step


async def place(client: httpx.AsyncClient, case: PushCase, quantity: int) -> str:
    exchange, symbol = case.symbol
    order = {
        "accounts": [ACCOUNT],
        "exchange": exchange,
        "symbol": symbol,
        "side": "BUY",
        "quantity": quantity,
        "order_type": "LIMIT",
        "price": str(case.price),
        "product": "CNC",
    }
    placed = (await client.post("/api/v1/orders", json=order)).json()
    (result,) = placed["results"]
    assert result["status"] == "success", placed
    return str(result["data"]["order_id"])


class Stream:
    """The SDK's async event iterator, collecting in the background."""

    def __init__(self, base_url: str, signal: Signal) -> None:
        self.signal = signal
        self.client = AsyncOrdo(base_url, token=TOKEN, retry=RetryPolicy(max_attempts=1))
        self.events: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async for event in self.client.events():
            self.events.append(event)
            self.signal.poke()

    def start(self) -> None:
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task
        await self.client.aclose()

    def of(self, order_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["order_id"] == order_id]

    def has(self, order_id: str, status: str) -> Callable[[], bool]:
        return lambda: any(e["status"] == status for e in self.of(order_id))


def statuses(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["status"], e["filled_quantity"]) for e in events]


@pytest.mark.parametrize("broker", sorted(CASES))
async def test_order_changes_arrive_through_the_push_channel_at_sse_and_webhook(
    broker: str, tmp_path: Path
) -> None:
    case = CASES[broker](tmp_path)
    signal = Signal()
    until = signal.until
    receiver = Receiver(signal)
    async with (
        serving_on_loopback(case.app) as fake_url,
        serving_on_loopback(receiver.app) as receiver_url,
    ):
        settings = load_settings(
            None,
            data_dir=tmp_path / "data",
            api_token=TOKEN,
            log_level="WARNING",
            order_watch_interval_seconds=3600,  # never polls within the test
            webhooks=[{"name": "desk", "url": f"{receiver_url}/hook", "secret": SECRET}],
            accounts={
                ACCOUNT: AccountConfig(adapter=case.adapter, settings=dict(case.settings(fake_url)))
            },
        )
        app = create_app(settings, transports={ACCOUNT: case.transport})
        async with serving_on_loopback(app, lifespan="on") as ordo_url:
            runtime: OrdoRuntime = app.state.ordo
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=ordo_url, headers=headers) as client:
                await log_in(client, case)
                await runtime.watchers.sync()
                _, watcher = runtime.watchers.running[ACCOUNT]
                await connected(watcher, case.socket_ready)
                stream = Stream(ordo_url, signal)
                stream.start()

                filled = await place(client, case, 10)
                await until(stream.has(filled, "OPEN"))
                case.fake.fill_partly(filled, 4, case.price)
                await until(stream.has(filled, "PARTIALLY_FILLED"))
                case.fake.fill_partly(filled, 6, case.price)
                await until(stream.has(filled, "FILLED"))

                rejected = await place(client, case, 1)
                await until(stream.has(rejected, "OPEN"))
                case.fake.reject_after_ack(rejected, REJECTION)
                await until(stream.has(rejected, "REJECTED"))

                cancelled = await place(client, case, 2)
                await until(stream.has(cancelled, "OPEN"))
                reply = await client.delete(f"/api/v1/orders/{ACCOUNT}/{cancelled}")
                assert reply.status_code == 200, reply.text
                await until(stream.has(cancelled, "CANCELLED"))

                ticket = OrderTicket(
                    key=LISTING,
                    side=Side.BUY,
                    quantity=3,
                    order_type=OrderType.LIMIT,
                    price=case.price,
                )
                outside = case.engine.place(ticket).order_id  # placed without Ordo
                await until(stream.has(outside, "OPEN"))

                ids = [e["id"] for e in stream.events]
                await until(lambda: set(receiver.events) >= set(ids))
                await stream.stop()

                assert watcher.polls == 0  # every event came through the push channel
                assert watcher.push_opens == 1
                assert watcher.push_failures == 0
                assert ids == sorted(ids)
                assert len(set(ids)) == len(ids)
                assert statuses(stream.of(filled)) == [
                    ("OPEN", 0),
                    ("PARTIALLY_FILLED", 4),
                    ("FILLED", 10),
                ]
                assert [Decimal(e["average_price"]) for e in stream.of(filled)[1:]] == [
                    case.price,
                    case.price,
                ]
                assert statuses(stream.of(rejected)) == [("OPEN", 0), ("REJECTED", 0)]
                last = stream.of(rejected)[-1]
                assert last["after_ack"] is True
                assert last["message"] == REJECTION
                assert statuses(stream.of(cancelled)) == [("OPEN", 0), ("CANCELLED", 0)]
                for order_id in (filled, rejected, cancelled):
                    assert all(e["request_id"] and e["tag"] for e in stream.of(order_id))
                (foreign,) = stream.of(outside)
                assert (foreign["status"], foreign["tag"], foreign["request_id"]) == (
                    "OPEN",
                    None,
                    None,
                )
                # The webhook got the same events, signed, once each, with the same bodies.
                assert sorted(receiver.events) == ids
                assert set(receiver.deliveries.values()) == {1}
                assert [receiver.events[i]["status"] for i in ids] == [
                    e["status"] for e in stream.events
                ]
                # The ledger leg follows its order's events.
                request_id = stream.of(rejected)[-1]["request_id"]
                legs = (await client.get(f"/api/v1/requests/{request_id}")).json()
                assert "REJECTED" in json.dumps(legs)
                assert '"rejected_after_ack": true' in json.dumps(legs)


class CountingConnect:
    """``websockets``' connect, counting attempts: injected through ``AdapterContext``."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, url: str, **options: Any) -> AbstractAsyncContextManager[Any]:
        self.attempts += 1
        return websockets_connect(url, **options)


def fake_clock(limit: float) -> tuple[list[float], Callable[[float], Any]]:
    """A sleep that only records its pauses, ending the loop after ``limit`` seconds."""
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if sum(pauses) >= limit:
            raise asyncio.CancelledError

    return pauses, sleep


@pytest.mark.parametrize("broker", sorted(CASES))
async def test_a_refused_token_backs_off_instead_of_reconnecting_in_a_storm(
    broker: str, tmp_path: Path
) -> None:
    case = CASES[broker](tmp_path)
    connect = CountingConnect()
    async with serving_on_loopback(case.app) as fake_url:
        settings = case.settings(fake_url)
        context = AdapterContext(
            account="refused",
            data_dir=tmp_path / "refused",
            transport=case.transport,
            socket_dialer=SocketDialer(connect=connect, open_timeout=5.0),
        )
        adapter = type(case.create_adapter(context))(settings, context)
        adapter.restore_session(
            BrokerSession(
                access_token=SecretStr("a-token-the-broker-never-issued"),
                extra={"app_id": getattr(settings, "app_id", "")},
            )
        )
        channel: OrderChannel | None = getattr(adapter, "order_channel")()  # noqa: B009
        assert channel is not None
        gateway_settings = load_settings(
            None,
            data_dir=tmp_path / "gw",
            api_token=TOKEN,
            order_watch_interval_seconds=3600,
            accounts={"paper": AccountConfig(adapter="mock")},
        )
        async with gateway_in_process(gateway_settings, token=TOKEN) as gw:
            backoff = refused_backoff()
            backoff.random = lambda: 1.0  # the largest jitter: the shortest pauses
            pauses, sleep = fake_clock(3600.0)
            watcher = OrderWatcher(
                gw.runtime.accounts.get("paper"),
                gw.runtime.events,
                gw.runtime.guard,
                interval=3600,
                refused_backoff=backoff,
                sleep=sleep,
            )
            with pytest.raises(asyncio.CancelledError):
                await watcher.push_loop(channel)
        await adapter.aclose()
    # An hour of refusals: attempts at 0, 24, 72, 168, 360, 744, 1512 and 2952 s (30 s
    # doubling, less 20 % jitter), never one per second.
    assert connect.attempts == 8
    assert watcher.push_failures == 8
    assert watcher.push_opens == 0
    assert pauses == [24.0, 48.0, 96.0, 192.0, 384.0, 768.0, 1440.0, 1440.0]
