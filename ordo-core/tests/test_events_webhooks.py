"""Signed webhooks from the persisted outbox: the signature a receiver can verify, retries
with exponential backoff, a failing URL paused and shown, delivery after a restart once per
event id, and the configuration's bad inputs refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from ordo.audit.events import AuditEmitter
from ordo.config.webhooks import WebhookConfig
from ordo.events.log import EventLog
from ordo.events.model import EventStatus, OrderUpdate
from ordo.events.signing import signature_header
from ordo.events.webhooks import WebhookDispatcher, router_for
from ordo.persistence import Database
from ordo.plugins import create_plugins
from ordo_client.webhooks import WebhookSignatureError, verify_signature
from pydantic import ValidationError

SECRET = "whsec-0123456789abcdef"


def hook(**extra: object) -> WebhookConfig:
    return WebhookConfig.model_validate(
        {"name": "desk", "url": "http://hooks.test/ordo", "secret": SECRET, **extra}
    )


def update(order_id: str, status: EventStatus = EventStatus.OPEN) -> OrderUpdate:
    return OrderUpdate(account="paper", broker="mock", order_id=order_id, status=status)


class Receiver:
    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        if self.fail > 0:
            self.fail -= 1
            return httpx.Response(500)
        return httpx.Response(204)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


async def open_db(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.create_all()
    return db


def event_log(db: Database, configs: list[WebhookConfig]) -> EventLog:
    plugins = create_plugins(load_entrypoints=False)
    return EventLog(db, AuditEmitter(plugins.hook), plugins.hook, webhooks=router_for(configs))


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":1}'
    header = signature_header(SECRET, 1700000000, body)
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_signature(SECRET, header, body, now=1700000100) == 1700000000
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(SECRET, header, b'{"id":2}', now=1700000100)
    with pytest.raises(WebhookSignatureError, match="too old"):
        verify_signature(SECRET, header, body, now=1700000000 + 3600)
    with pytest.raises(WebhookSignatureError, match="malformed"):
        verify_signature(SECRET, "v1=abc", body, now=1700000000)


async def test_events_survive_a_restart_and_are_delivered_once_each(tmp_path: Path) -> None:
    configs = [hook(statuses=["FILLED", "REJECTED"])]
    db = await open_db(tmp_path / "ordo.db")
    log = event_log(db, configs)
    await log.start()
    await log.record(update("B1", EventStatus.OPEN))  # filtered out: no delivery
    filled = await log.record(update("B1", EventStatus.FILLED))
    rejected = await log.record(update("B2", EventStatus.REJECTED))
    assert filled is not None
    assert rejected is not None
    await db.dispose()  # the server dies before any delivery

    db = await open_db(tmp_path / "ordo.db")
    receiver = Receiver()
    dispatcher = WebhookDispatcher(db, configs, client=receiver.client())
    assert await dispatcher.deliver_due() == 2
    assert await dispatcher.deliver_due() == 0
    ids = [r.headers["Ordo-Event-Id"] for r in receiver.received]
    assert ids == [str(filled.id), str(rejected.id)]
    for request in receiver.received:
        verify_signature(SECRET, request.headers["Ordo-Signature"], request.content)
        assert json.loads(request.content)["id"] == int(request.headers["Ordo-Event-Id"])
    assert (await dispatcher.describe())[0]["pending"] == 0
    await db.dispose()


async def test_failures_back_off_then_pause_the_webhook(tmp_path: Path) -> None:
    configs = [hook()]
    db = await open_db(tmp_path / "ordo.db")
    log = event_log(db, configs)
    await log.record(update("B1"))
    receiver = Receiver(fail=100)
    now = [0.0]
    dispatcher = WebhookDispatcher(
        db,
        configs,
        client=receiver.client(),
        base_delay=0.0,
        pause_after=3,
        pause_seconds=60.0,
        clock=lambda: now[0],
    )
    for _ in range(3):
        assert await dispatcher.deliver_due() == 0
    [status] = await dispatcher.describe()
    assert status["paused"] is True
    assert status["consecutive_failures"] == 3
    assert status["pending"] == 1
    assert status["last_error"] == "HTTP 500"
    assert status["url"] == "http://hooks.test/ordo"
    await dispatcher.deliver_due()
    assert len(receiver.received) == 3  # paused: not tried again until the pause ends
    receiver.fail = 0
    now[0] = 61.0
    assert await dispatcher.deliver_due() == 1
    [status] = await dispatcher.describe()
    assert status["paused"] is False
    assert status["pending"] == 0
    await db.dispose()


async def test_the_retry_delay_doubles(tmp_path: Path) -> None:
    configs = [hook()]
    db = await open_db(tmp_path / "ordo.db")
    log = event_log(db, configs)
    await log.record(update("B1"))
    receiver = Receiver(fail=1)
    dispatcher = WebhookDispatcher(db, configs, client=receiver.client(), base_delay=3600.0)
    assert await dispatcher.deliver_due() == 0
    assert await dispatcher.deliver_due() == 0  # next attempt an hour away
    assert len(receiver.received) == 1
    await db.dispose()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "ftp://hooks.test/x"}, "http:// or https://"),
        ({"url": "hooks.test/x"}, "http:// or https://"),
        ({"secret": "short"}, "at least 16"),
        ({"name": "bad name!"}, "letters, digits"),
        ({"statuses": ["DONE"]}, "statuses"),
    ],
)
def test_bad_webhook_configuration_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        hook(**changes)


def test_a_webhook_without_a_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="secret"):
        WebhookConfig.model_validate({"name": "desk", "url": "https://hooks.test/x"})


async def test_a_paused_webhook_stays_paused_across_a_restart(tmp_path: Path) -> None:
    configs = [hook()]
    path = tmp_path / "ordo.db"
    db = await open_db(path)
    log = event_log(db, configs)
    await log.record(update("R1"))
    receiver = Receiver(fail=100)
    wall = [datetime(2026, 12, 3, 9, 0, tzinfo=UTC)]
    dispatcher = WebhookDispatcher(
        db,
        configs,
        client=receiver.client(),
        base_delay=0.0,
        pause_after=2,
        pause_seconds=600.0,
        clock=lambda: 0.0,
        wall_clock=lambda: wall[0],
    )
    for _ in range(2):
        assert await dispatcher.deliver_due() == 0
    assert (await dispatcher.describe())[0]["paused"] is True
    await db.dispose()

    # A new process, 5 minutes later: still paused for the 5 minutes left, streak kept.
    wall[0] += timedelta(minutes=5)
    db = await open_db(path)
    monotonic = [1000.0]
    restarted = WebhookDispatcher(
        db,
        configs,
        client=receiver.client(),
        base_delay=0.0,
        pause_after=2,
        pause_seconds=600.0,
        clock=lambda: monotonic[0],
        wall_clock=lambda: wall[0],
    )
    await restarted.load()
    [status] = await restarted.describe()
    assert (status["paused"], status["consecutive_failures"]) == (True, 2)
    assert status["last_error"] == "HTTP 500"
    assert await restarted.deliver_due() == 0
    assert len(receiver.received) == 2  # not tried while the stored pause lasts
    receiver.fail = 0
    monotonic[0] += 301.0
    assert await restarted.deliver_due() == 1
    await db.dispose()

    # Recovered: the next start finds it unpaused with no streak.
    db = await open_db(path)
    again = WebhookDispatcher(db, configs, client=receiver.client(), wall_clock=lambda: wall[0])
    await again.load()
    [status] = await again.describe()
    assert (status["paused"], status["consecutive_failures"]) == (False, 0)
    await db.dispose()
