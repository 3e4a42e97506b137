"""Sessions that end: on the clock between two requests, revoked by the broker (its 401)
while requests are in flight, and refreshed by the sweep before they end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from ordo import Capability, hookimpl
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.persistence import SessionRepository
from ordo.plugins import create_plugins
from ordo.sessions.crypto import decrypt_session
from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.faults import FaultKind
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "sessions-expiry-token-4c7e"
OTP = "97531864"
BUY = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1}


class FixedTermAdapter(MockAdapter):
    """The paper broker without SESSION_REFRESH: its sessions simply end."""

    id: ClassVar[str] = "fixedterm"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability) - {
        Capability.SESSION_REFRESH
    }


class Plugin:
    __name__ = "expiry_plugin"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(FixedTermAdapter)

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def of(self, kind: str, account: str) -> list[AuditEvent]:
        return [e for e in self.events if e.kind == kind and e.account == account]


@pytest.fixture
def plugin() -> Plugin:
    return Plugin()


@pytest.fixture
async def gw(tmp_path: Path, plugin: Plugin) -> AsyncIterator[InProcessGateway]:
    def otp_account(adapter: str, **extra: Any) -> AccountConfig:
        return AccountConfig(adapter=adapter, settings={"login_otp": OTP, **extra})

    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "desk": otp_account("mock"),
            "short": otp_account("mock", session_ttl_seconds=60),
            "fixed": otp_account("fixedterm", session_ttl_seconds=60),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[plugin])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gateway:
        yield gateway


def paper(gw: InProcessGateway, account: str) -> MockAdapter:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter


async def log_in(gw: InProcessGateway, account: str) -> None:
    begun = (await gw.client.post(f"/api/v1/accounts/{account}/login")).json()
    challenge = begun["data"]["challenge"]["challenge_id"]
    done = await gw.client.post(
        f"/api/v1/accounts/{account}/login/{challenge}", json={"answer": OTP}
    )
    assert done.json()["data"]["state"] == "active", done.json()


async def session_state(gw: InProcessGateway, account: str) -> str:
    rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
    state: str = next(r["session_state"] for r in rows if r["name"] == account)
    return state


def assert_session_expired(response: Any, account: str) -> None:
    assert response.status_code != 500
    body = response.json()
    [leg] = body["results"]
    assert leg["error_code"] == "SESSION_EXPIRED", body
    assert leg["message"].startswith(f"{account}:")


async def test_a_session_ending_between_two_requests(gw: InProcessGateway, plugin: Plugin) -> None:
    await log_in(gw, "desk")
    first = await gw.client.get("/api/v1/funds", params={"accounts": "desk"})
    assert first.json()["status"] == "success"

    # Time passes: the session's expiry is now behind us.
    adapter = paper(gw, "desk")
    assert adapter.session is not None
    ended = datetime.now(UTC) - timedelta(seconds=1)
    adapter.restore_session(adapter.session.model_copy(update={"expires_at": ended}))

    second = await gw.client.get("/api/v1/funds", params={"accounts": "desk"})
    assert_session_expired(second, "desk")
    placed = await gw.client.post("/api/v1/orders", json={**BUY, "accounts": ["desk"]})
    assert_session_expired(placed, "desk")
    assert adapter.broker.orders() == []  # nothing reached the paper book
    assert await session_state(gw, "desk") == "expired"
    assert len(plugin.of("session.expired", "desk")) == 1

    async with gw.runtime.db.session() as s:
        record = await SessionRepository(s).get("desk")
    assert record is not None
    assert record.state == "expired"


async def test_broker_revocation_while_requests_are_in_flight(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await log_in(gw, "desk")
    broker = paper(gw, "desk").broker
    # The broker revokes every session during the next call, as its 401 would say.
    broker.faults.fail_next(FaultKind.SESSION_EXPIRY)
    params = {"accounts": "desk"}
    responses = await asyncio.gather(
        gw.client.get("/api/v1/funds", params=params),
        gw.client.get("/api/v1/positions", params=params),
        gw.client.get("/api/v1/holdings", params=params),
        gw.client.get("/api/v1/orders", params=params),
    )
    for response in responses:
        assert_session_expired(response, "desk")
    [expired] = plugin.of("session.expired", "desk")
    assert expired.payload["reason"] == "broker"
    assert await session_state(gw, "desk") == "expired"

    # A new login brings the account back.
    await log_in(gw, "desk")
    again = await gw.client.get("/api/v1/funds", params=params)
    assert again.json()["status"] == "success"
    assert await session_state(gw, "desk") == "active"


async def test_broker_401_on_the_next_request_marks_the_session_expired(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await log_in(gw, "desk")
    paper(gw, "desk").broker.expire_sessions()
    response = await gw.client.get("/api/v1/positions", params={"accounts": "desk"})
    assert_session_expired(response, "desk")
    assert await session_state(gw, "desk") == "expired"
    assert [e.payload["reason"] for e in plugin.of("session.expired", "desk")] == ["broker"]


async def test_sweep_refreshes_a_session_close_to_expiry(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await log_in(gw, "short")
    adapter = paper(gw, "short")
    old = adapter.session
    assert old is not None
    assert old.expires_at is not None

    await gw.runtime.sessions.sweep()

    fresh = adapter.session
    assert fresh is not None
    assert fresh.expires_at is not None
    assert fresh.access_token.get_secret_value() != old.access_token.get_secret_value()
    assert fresh.expires_at >= old.expires_at
    assert len(plugin.of("session.refreshed", "short")) == 1
    async with gw.runtime.db.session() as s:
        record = await SessionRepository(s).get("short")
    assert record is not None
    assert record.encrypted_session is not None
    stored = decrypt_session(gw.runtime.box, record.encrypted_session)
    assert stored.access_token.get_secret_value() == fresh.access_token.get_secret_value()
    # The broker honours the new token, not the old one.
    adapter.broker.auth.check(fresh)
    response = await gw.client.get("/api/v1/funds", params={"accounts": "short"})
    assert response.json()["status"] == "success"
    assert await session_state(gw, "short") == "active"


async def test_a_refresh_the_broker_refuses_leaves_the_session_expired(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await log_in(gw, "short")
    paper(gw, "short").broker.expire_sessions()
    await gw.runtime.sessions.sweep()
    [failed] = plugin.of("session.refresh_failed", "short")
    assert failed.payload["reason"] == "SESSION_EXPIRED"
    assert plugin.of("session.refreshed", "short") == []
    assert await session_state(gw, "short") == "expired"


async def test_sweep_marks_an_unrefreshable_session_expired_on_time(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await log_in(gw, "fixed")
    sessions = gw.runtime.sessions
    await sessions.sweep()  # a minute left, but this broker cannot refresh: nothing to do
    assert plugin.of("session.expired", "fixed") == []
    assert await session_state(gw, "fixed") == "active"

    real = sessions.clock
    sessions.clock = lambda: real() + timedelta(minutes=2)
    await sessions.sweep()
    [expired] = plugin.of("session.expired", "fixed")
    assert expired.payload["reason"] == "clock"
    assert await session_state(gw, "fixed") == "expired"
    await sessions.sweep()  # idempotent: audited once
    assert len(plugin.of("session.expired", "fixed")) == 1
