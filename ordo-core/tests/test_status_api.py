"""``/status`` and ``/api/v1/status``: the document, its token rule, the degraded states, and
``ordo status`` rendering it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.adapters.errors import BrokerUnavailable, OrderRejected
from ordo.cli.status_cmd import fetch_status, status_table
from ordo.config import AccountConfig, load_settings
from ordo.domain import SessionState
from ordo.orchestrator.accounts import Account, CallRecord
from ordo.status import AccountSnapshot, build_status, connection_of
from ordo_testing.server import gateway_in_process
from rich.console import Console

TOKEN = "status-token-0123456789"


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "paper": AccountConfig(adapter="mock"),
            "otp": AccountConfig(adapter="mock", settings={"login_otp": "otp-11aa22bb"}),
        },
        **extra,
    )


async def test_status_document(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        await gw.client.get("/api/v1/funds", params={"accounts": "paper"})
        body = (await gw.client.get("/api/v1/status")).json()
        root = (await gw.client.get("/status")).json()
    assert body["status"] == "success"
    data = body["data"]
    assert root["data"]["accounts"][0]["name"] == data["accounts"][0]["name"]
    assert data["status"] == "degraded"  # "otp" has no session yet
    assert data["version"]
    accounts = {a["name"]: a for a in data["accounts"]}
    paper = accounts["paper"]
    assert paper["adapter"] == "mock"
    assert paper["connection"] == "up"
    assert paper["session_state"] == "active"
    assert paper["session_expires_at"] is not None
    assert datetime.fromisoformat(paper["last_login_at"]) <= datetime.now(UTC)
    assert paper["last_call"]["operation"] == "get_funds"
    assert paper["last_call"]["outcome"] == "success"
    assert paper["last_call"]["error_code"] is None
    assert paper["breaker"]["state"] == "CLOSED"
    assert paper["rate_limits"]
    assert all("available" in w for w in paper["rate_limits"])
    assert all(w["available"] <= w["max_calls"] for w in paper["rate_limits"])
    otp = accounts["otp"]
    assert otp["session_state"] == "none"
    assert otp["last_call"] is None
    assert otp["connection"] == "unknown"
    assert otp["last_login_at"] is None


async def test_status_is_ok_when_every_account_is_healthy(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        data = (await gw.client.get("/status")).json()["data"]
    assert data["status"] == "ok"


@pytest.mark.parametrize("path", ["/status", "/api/v1/status"])
async def test_status_needs_a_token_unless_public(tmp_path: Path, path: str) -> None:
    async with gateway_in_process(settings_for(tmp_path / "a"), token=TOKEN) as gw:
        refused = await gw.client.get(path, headers={"Authorization": ""})
        assert refused.status_code == 401
        assert refused.json()["error_code"] == "UNAUTHORIZED"
        wrong = await gw.client.get(path, headers={"Authorization": "Bearer nope-nope"})
        assert wrong.status_code == 401
    public = settings_for(tmp_path / "b", status_public=True)
    async with gateway_in_process(public, token=TOKEN) as gw:
        served = await gw.client.get(path, headers={"Authorization": ""})
        assert served.status_code == 200
        assert served.json()["data"]["accounts"]


class _Adapter:
    id = "fake"
    session = None
    rate_limits = ()


def _snapshot(**kwargs: Any) -> AccountSnapshot:
    account = Account(name="acc", adapter=_Adapter())  # type: ignore[arg-type]
    account.last_call = kwargs.pop("last_call", None)
    return AccountSnapshot(account=account, session_state=SessionState.ACTIVE, **kwargs)


def test_connection_and_health_rules() -> None:
    now = datetime.now(UTC)
    assert connection_of(_snapshot()) == "unknown"
    down = CallRecord.failed("get_funds", now, BrokerUnavailable("502"))
    assert connection_of(_snapshot(last_call=down)) == "down"
    rejected = CallRecord.failed("place_order", now, OrderRejected("no"))
    assert connection_of(_snapshot(last_call=rejected)) == "up"
    opened = _snapshot(breaker={"state": "OPEN"}, last_call=rejected)
    assert connection_of(opened) == "down"

    assert build_status([_snapshot(last_call=rejected)], version="v")["status"] == "ok"
    half = _snapshot(breaker={"state": "HALF-OPEN"}, last_call=rejected)
    doc = build_status([half], version="v")
    assert doc["status"] == "degraded"
    assert doc["accounts"][0]["breaker"] == {"state": "HALF-OPEN"}
    assert build_status([], version="v") == {"status": "ok", "version": "v", "accounts": []}


def test_rate_limits_come_from_the_limiter_or_the_declaration() -> None:
    limiter = {
        "account": "acc",
        "waiting": 2,
        "queue_size": 100,
        "paused_for": 0.5,
        "windows": [{"scope": "all", "max_calls": 10, "period": 1.0, "available": 3}],
    }
    entry = build_status([_snapshot(limiter=limiter)], version="v")["accounts"][0]
    assert entry["rate_limits"] == [
        {"scope": "all", "max_calls": 10, "period": 1.0, "available": 3}
    ]
    assert entry["rate_limiter"] == {"waiting": 2, "queue_size": 100, "paused_for": 0.5}
    bare = build_status([_snapshot()], version="v")["accounts"][0]
    assert bare["rate_limits"] == []
    assert bare["rate_limiter"] is None
    assert bare["breaker"] is None


async def test_status_table_renders_every_account(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        await gw.client.get("/api/v1/funds", params={"accounts": "paper"})
        document = (await gw.client.get("/status")).json()["data"]
    console = Console(width=250, record=True)
    console.print(status_table(document))
    text = console.export_text()
    assert "paper" in text
    assert "otp" in text
    assert "CLOSED" in text
    assert "degraded" in text
    assert "get_funds success" in text
    assert "orders" in text
    assert "per 1s" in text


def test_fetch_status_sends_the_token() -> None:
    seen: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization", "")
        seen["path"] = request.url.path
        return httpx.Response(200, json={"status": "success", "data": {"status": "ok"}})

    body = fetch_status("http://ordo.test", "tok-123", transport=httpx.MockTransport(handler))
    assert body["data"] == {"status": "ok"}
    assert seen == {"auth": "Bearer tok-123", "path": "/api/v1/status"}
