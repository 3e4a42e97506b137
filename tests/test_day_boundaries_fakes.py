"""Day boundaries against the three broker fakes (issue 17 point 7): the day-end logout
leaves no session usable, and a session from an earlier IST trading day is refused before
anything is sent even when the day-end job never ran."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo import hookimpl
from ordo.adapters.clock import IST
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.domain import LoginChallenge
from ordo.persistence import SessionRepository
from ordo.plugins import create_plugins
from ordo.sessions.crypto import encrypt_session
from ordo.sessions.day_end import end_trading_day
from ordo_adapter_fyers.fake.state import Rejected
from ordo_adapter_fyers.testing import FyersHarness
from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_adapter_mirae.fake import FakeTransport as MiraeTransport
from ordo_adapter_mirae.testing import MiraeHarness
from ordo_testing.harness import SampleInstruments
from ordo_testing.server import InProcessGateway, gateway_in_process
from pydantic import BaseModel

TOKEN = "day-boundaries-token-0123456789"


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests that reach a fake (what "nothing was sent" is measured by)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Broker:
    adapter: str
    settings: BaseModel
    harness: FyersHarness | HdfcHarness | MiraeHarness
    transport: Counting
    samples: SampleInstruments


class Audit:
    __name__ = "day_boundaries_audit"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def of(self, kind: str, account: str) -> list[AuditEvent]:
        return [e for e in self.events if e.kind == kind and e.account == account]


def brokers(tmp_path: Path) -> dict[str, Broker]:
    fyers = FyersHarness(tmp_path / "fyers-fake")
    hdfc = HdfcHarness(tmp_path / "hdfc-fake")
    mirae = MiraeHarness(tmp_path / "mirae-fake")
    return {
        "fyers-a": Broker(
            "fyers", fyers.settings(), fyers, Counting(fyers.transport), fyers.samples()
        ),
        "hdfc-a": Broker("hdfc", hdfc.settings(), hdfc, Counting(hdfc.transport), hdfc.samples()),
        "mirae-a": Broker(
            "mirae", mirae.settings(), mirae, Counting(MiraeTransport(mirae.fake)), mirae.samples()
        ),
    }


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Broker]:
    return brokers(tmp_path)


@pytest.fixture
async def gw(
    tmp_path: Path, cases: dict[str, Broker], audit: Audit
) -> AsyncIterator[InProcessGateway]:
    settings = load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        day_end_logout="16:00",
        accounts={
            name: AccountConfig(adapter=case.adapter, settings=dict(case.settings))
            for name, case in cases.items()
        },
    )
    plugins = create_plugins(extra_plugins=[audit])
    transports = {name: case.transport for name, case in cases.items()}
    async with gateway_in_process(
        settings, token=TOKEN, plugins=plugins, transports=transports
    ) as gateway:
        for name, case in cases.items():
            await log_in(gateway, name, case)
        yield gateway


async def log_in(gw: InProcessGateway, account: str, case: Broker) -> None:
    step = (await gw.client.post(f"/api/v1/accounts/{account}/login")).json()
    for _ in range(6):
        assert step["status"] == "success", step
        if step["data"]["state"] == "active":
            return
        challenge = step["data"]["challenge"]
        answer = case.harness.answer(LoginChallenge.model_validate(challenge))
        url = f"/api/v1/accounts/{account}/login/{challenge['challenge_id']}"
        step = (await gw.client.post(url, json={"answer": answer})).json()
    raise AssertionError(f"{account} did not log in: {step}")


def order(account: str, case: Broker) -> dict[str, Any]:
    symbol = case.samples.equity
    return {
        "accounts": [account],
        "exchange": str(symbol.exchange),
        "symbol": symbol.symbol,
        "side": "BUY",
        "quantity": 1,
        "order_type": "LIMIT",
        "price": str(case.samples.resting_buy_price),
        "product": "CNC",
    }


async def states(gw: InProcessGateway) -> dict[str, str]:
    rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
    return {row["name"]: row["session_state"] for row in rows}


async def assert_refused(gw: InProcessGateway, account: str, case: Broker) -> None:
    """Reads and orders of ``account`` get SESSION_EXPIRED and send nothing to the fake."""
    sent_before = list(case.transport.paths)
    funds = (await gw.client.get("/api/v1/funds", params={"accounts": account})).json()
    placed = await gw.client.post(
        "/api/v1/orders", json=order(account, case), headers={"Idempotency-Key": f"k-{account}"}
    )
    for body in (funds, placed.json()):
        [leg] = body["results"]
        assert leg["error_code"] == "SESSION_EXPIRED", body
        assert leg["message"].startswith(f"{account}:"), body
    assert case.transport.paths == sent_before  # nothing reached the broker


async def test_day_end_logout_leaves_no_session_usable(
    gw: InProcessGateway, cases: dict[str, Broker], audit: Audit
) -> None:
    fyers_token = gw.runtime.accounts.get("fyers-a").adapter.session
    assert fyers_token is not None
    assert set((await states(gw)).values()) == {"active"}
    assert gw.runtime.settings.day_end_time() == time(16, 0)

    await end_trading_day(gw.runtime.sessions)

    assert set((await states(gw)).values()) == {"expired"}
    await gw.runtime.watchers.sync()
    assert gw.runtime.watchers.running == {}
    for name, case in cases.items():
        await assert_refused(gw, name, case)
        [line] = audit.of("session.expired", name)
        assert line.payload["reason"] == "day_end"
        assert line.payload["broker_logout"] == "ok"
        async with gw.runtime.db.session() as s:
            record = await SessionRepository(s).get(name)
        assert record is not None
        assert (record.state, record.encrypted_session) == ("expired", None)
    # The fakes saw the logouts: m.Stock's logout route, and Fyers refuses the old token.
    assert "/openapi/typea/logout" in cases["mirae-a"].transport.paths
    assert "/api/v3/logout" in cases["fyers-a"].transport.paths
    fake = cases["fyers-a"].harness
    assert isinstance(fake, FyersHarness)
    app_id = fake.fake.app_id
    with pytest.raises(Rejected) as refused:
        fake.fake.check_token(f"{app_id}:{fyers_token.access_token.get_secret_value()}")
    assert refused.value.code == -17
    # HDFC InvestRight documents no logout endpoint: its token is only dropped here.
    assert not any("logout" in p for p in cases["hdfc-a"].transport.paths)

    # The next morning's login opens usable sessions again.
    for name, case in cases.items():
        await log_in(gw, name, case)
    funds = (await gw.client.get("/api/v1/funds")).json()
    assert [leg["status"] for leg in funds["results"]] == ["success"] * 3, funds


async def test_a_session_from_yesterday_is_refused_today_without_the_job(
    gw: InProcessGateway, cases: dict[str, Broker], audit: Audit
) -> None:
    # The server was down at the close: no day-end logout ran. It is now the next IST
    # morning (09:20), and the sessions opened yesterday are still in memory.
    now_ist = datetime.now(UTC).astimezone(IST)
    tomorrow = datetime.combine(now_ist.date() + timedelta(days=1), time(9, 20), IST)
    await gw.runtime.watchers.sync()
    assert set(gw.runtime.watchers.running) == set(cases)
    gw.runtime.guard.clock = lambda: tomorrow.astimezone(UTC)
    gw.runtime.sessions.clock = lambda: tomorrow.astimezone(UTC)
    assert set((await states(gw)).values()) == {"expired"}
    await gw.runtime.watchers.sync()
    assert gw.runtime.watchers.running == {}  # no order watcher polls on yesterday's token

    for name, case in cases.items():
        await assert_refused(gw, name, case)
        refusals = audit.of("broker.refused", name)
        assert refusals, name
        assert refusals[0].payload["reason"] == "previous_trading_day"
        assert refusals[0].payload["session_day"] == now_ist.date().isoformat()
        [expired] = audit.of("session.expired", name)
        assert expired.payload["reason"] == "previous_trading_day"

    # The message says which day the session belongs to.
    funds = (await gw.client.get("/api/v1/funds", params={"accounts": "mirae-a"})).json()
    assert now_ist.date().isoformat() in funds["results"][0]["message"]


async def test_a_stored_session_from_yesterday_is_expired_after_a_restart(
    gw: InProcessGateway, cases: dict[str, Broker], audit: Audit
) -> None:
    # The server was down over the day boundary: at start it reads back a session that
    # was opened yesterday (stored encrypted, as every session is).
    account = gw.runtime.accounts.get("mirae-a")
    session = account.adapter.session
    assert session is not None
    yesterday = session.model_copy(
        update={"logged_in_at": session.logged_in_at - timedelta(days=1)}
    )
    async with gw.runtime.db.session() as s:
        await SessionRepository(s).save(
            account="mirae-a",
            adapter="mirae",
            state="active",
            encrypted=encrypt_session(gw.runtime.box, yesterday),
            logged_in_at=yesterday.logged_in_at,
            expires_at=yesterday.expires_at,
        )
    account.adapter.restore_session(None)

    await gw.runtime.sessions.restore_all()

    assert (await states(gw))["mirae-a"] == "expired"
    await assert_refused(gw, "mirae-a", cases["mirae-a"])
