"""No secret leaves Ordo in clear: for each adapter, a gateway logs in and trades against
the adapter's fake broker with secret values unique to the test, logging at DEBUG with the
standard library (httpx, uvicorn) routed through Ordo's handler as ``ordo serve`` does.
Afterwards every byte of the data directory (database, audit files, account caches) and
everything written to stdout/stderr is searched for each secret, plain, URL-encoded and
base64-encoded: zero hits.

Values shorter than 8 characters (a 4-digit PIN, a 6-digit OTP) are not searched: digits
like these occur by chance in any timestamp. They are masked by key name instead.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import httpx
import pytest
from ordo.config import AccountConfig, load_settings
from ordo.logs import route_stdlib_logging
from ordo_testing.server import gateway_in_process

MIN_SEARCHED = 8
Answer = Callable[[dict[str, Any]], str]


@dataclass
class BrokerCase:
    """One adapter wired to its fake, with the secrets the run must never reveal."""

    adapter: str
    settings: dict[str, Any]
    answer: Answer
    secrets: list[str]
    transport: httpx.AsyncBaseTransport | None = None
    symbol: str = "SBIN"
    extra_secrets: Callable[[], list[str]] = field(default=lambda: [])


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(12)}"


def encoded_forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote_plus(value)}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms |= {encoded.decode(), encoded.decode().rstrip("=")}
    return forms


@pytest.fixture
def stdlib_logging_as_served() -> Iterator[None]:
    """Route the standard library's logging through loguru at DEBUG, as ``ordo serve
    --log-level DEBUG`` does, and restore the test process's logging afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "uvicorn")}
    route_stdlib_logging("DEBUG")
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def mock_case(tmp_path: Path) -> BrokerCase:
    otp = unique("otp-")
    return BrokerCase("mock", {"login_otp": otp}, lambda _challenge: otp, [otp])


def fyers_case(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_fyers.testing import FyersHarness

    app_secret = unique("FYSECRET")
    harness = FyersHarness(tmp_path / "fyers-fake", app_secret=app_secret)
    settings = harness.settings().model_dump(mode="json")
    settings["app_secret"] = app_secret

    def answer(challenge: dict[str, Any]) -> str:
        assert challenge["kind"] == "redirect_url", challenge
        state = parse_qs(urlsplit(challenge["url"] or "").query).get("state", [""])[0]
        return str(harness.fake.issue_auth_code(state))

    return BrokerCase("fyers", settings, answer, [app_secret], transport=harness.transport)


def hdfc_case(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_hdfc.fake.state import FakeConfig
    from ordo_adapter_hdfc.testing import HdfcHarness

    config = FakeConfig(
        api_key=unique("hdfckey"), api_secret=unique("hdfcsecret"), password=unique("pw")
    )
    harness = HdfcHarness(tmp_path / "hdfc-fake", config)
    settings = harness.settings().model_dump(mode="json")
    settings.update(api_key=config.api_key, api_secret=config.api_secret)
    settings.pop("password")  # asked as a login challenge: an answer that must not leak

    def answer(challenge: dict[str, Any]) -> str:
        kind = challenge["kind"]
        if kind == "password":
            return str(config.password)
        if kind == "redirect_url":
            return str(harness.broker.redirect_location())
        return str(config.otp)

    return BrokerCase(
        "hdfc",
        settings,
        answer,
        [config.api_key, config.api_secret, config.password],
        transport=harness.transport,
    )


def mirae_case(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_mirae.fake import FakeMirae, FakeTransport
    from ordo_adapter_mirae.fake.state import FakeBroker, FakeUser

    username, password, api_key = "MA0001", unique("mpw"), unique("mkey")
    broker = FakeBroker(users=[FakeUser(username, password, api_key)])
    master = tmp_path / "mirae-master.csv"
    master.write_text(broker.master_csv, encoding="utf-8")
    settings = {
        "username": username,
        "password": password,
        "api_key": api_key,
        "authenticator": False,
        "base_url": "http://mstock.fake",
        "instruments_source": str(master),
    }
    return BrokerCase(
        "mirae",
        settings,
        lambda _challenge: broker.current_otp(username),
        [password, api_key],
        transport=FakeTransport(FakeMirae(broker)),
    )


CASES = {"mock": mock_case, "fyers": fyers_case, "hdfc": hdfc_case, "mirae": mirae_case}


@pytest.mark.usefixtures("stdlib_logging_as_served")
@pytest.mark.parametrize("adapter", sorted(CASES))
async def test_no_secret_leaves_in_clear(
    adapter: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    case = CASES[adapter](tmp_path)
    api_token = unique("api-token-")
    data_dir = tmp_path / "data"
    settings = load_settings(
        None,
        data_dir=data_dir,
        api_tokens=[{"name": "desk", "token": api_token}],
        log_level="DEBUG",
        accounts={"acct": AccountConfig(adapter=case.adapter, settings=case.settings)},
    )
    transports = {"acct": case.transport} if case.transport else None
    session_tokens: list[str] = []
    async with gateway_in_process(settings, token=api_token, transports=transports) as gw:
        step = (await gw.client.post("/api/v1/accounts/acct/login")).json()
        for _ in range(6):
            assert step["status"] == "success", step
            if step["data"]["state"] == "active":
                break
            challenge = step["data"]["challenge"]
            url = f"/api/v1/accounts/acct/login/{challenge['challenge_id']}"
            step = (await gw.client.post(url, json={"answer": case.answer(challenge)})).json()
        assert step["data"]["state"] == "active", step
        session = gw.runtime.accounts.get("acct").adapter.session
        assert session is not None
        session_tokens.append(session.access_token.get_secret_value())
        if session.refresh_token is not None:
            session_tokens.append(session.refresh_token.get_secret_value())

        order = {
            "accounts": ["acct"],
            "exchange": "NSE",
            "symbol": case.symbol,
            "side": "BUY",
            "quantity": 1,
        }
        placed = (await gw.client.post("/api/v1/orders", json=order)).json()
        assert placed["results"][0]["status"] in {"success", "error"}, placed
        for path in ("/api/v1/orders", "/api/v1/funds", "/api/v1/positions", "/api/v1/status"):
            assert (await gw.client.get(path)).status_code < 500
        quote_reply = await gw.client.get("/api/v1/quotes", params={"symbols": "NSE:SBIN"})
        assert quote_reply.status_code < 500
        # A careless client: the token in the URL is refused, and still not recorded.
        refused = await gw.client.get("/api/v1/funds", params={"access_token": api_token})
        assert refused.json()["error_code"] == "TOKEN_IN_QUERY"
        await gw.client.post("/api/v1/accounts/acct/login/nope", json={"answer": api_token})
        await gw.runtime.observability.db_sink.flush()

    captured = capfd.readouterr()
    searched = [s for s in [*case.secrets, api_token, *session_tokens] if len(s) >= MIN_SEARCHED]
    assert len(searched) >= 2
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in files)
    assert any("ordo.db" in p.name for p in files)
    blobs = {str(p): p.read_bytes() for p in files}
    blobs["stdout"] = captured.out.encode()
    blobs["stderr"] = captured.err.encode()
    assert b"HTTP Request" in blobs["stderr"] or case.transport is None  # httpx was heard
    hits = [
        (where, form)
        for secret in searched
        for form in encoded_forms(secret)
        for where, blob in blobs.items()
        if form.encode() in blob
    ]
    assert hits == []
