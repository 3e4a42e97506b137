"""The fake m.Stock's protocol details: headers, bodies, envelopes, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from ordo_adapter_mirae.fake import FakeBroker, FakeMirae, FakeUser, RateWindows

BASE = "http://fake/openapi/typea"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
V1 = {"X-Mirae-Version": "1"}


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[tuple[FakeMirae, httpx.AsyncClient]]:
    mirae = FakeMirae(FakeBroker(users=[FakeUser("U1", "pw", "key@@")], fixed_otp="424242"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mirae.app)) as client:
        yield mirae, client


async def _token(client: httpx.AsyncClient) -> str:
    await client.post(
        f"{BASE}/connect/login", data={"Username": "U1", "Password": "pw"}, headers=V1
    )
    reply = await client.post(
        f"{BASE}/session/token",
        headers=V1,
        data={"api_key": "key@@", "request_token": "424242", "checksum": "L"},
    )
    token: str = reply.json()["data"]["access_token"]
    return token


async def test_version_header_is_required(fake: tuple[FakeMirae, httpx.AsyncClient]) -> None:
    _, client = fake
    reply = await client.post(f"{BASE}/connect/login", data={"username": "U1", "password": "pw"})
    assert reply.status_code == 200
    assert reply.json()["error_type"] == "VersionException"


async def test_login_flags_and_json_bodies(fake: tuple[FakeMirae, httpx.AsyncClient]) -> None:
    _, client = fake
    reply = await client.post(
        f"{BASE}/connect/login", json={"username": "U1", "password": "pw"}, headers=V1
    )
    assert (reply.status_code, reply.json()["error_type"]) == (400, "InputException")
    reply = await client.post(
        f"{BASE}/connect/login", data={"username": "U1", "password": "pw"}, headers=V1
    )
    data = reply.json()["data"]
    assert (data["cid"], data["is_kyc"], data["is_activate"]) == ("MA0001", "true", True)


async def test_envelopes(fake: tuple[FakeMirae, httpx.AsyncClient]) -> None:
    mirae, client = fake
    token = await _token(client)
    auth = {**V1, "Authorization": f"token key@@:{token}"}
    placed = await client.post(
        f"{BASE}/orders/regular",
        headers=auth,
        data={
            "tradingsymbol": "SBIN-EQ",
            "exchange": "NSE",
            "transaction_type": "BUY",
            "order_type": "LIMIT",
            "quantity": "1",
            "product": "CNC",
            "validity": "DAY",
            "price": "700",
            "trigger_price": "0",
            "disclosed_quantity": "0",
            "tag": "T1",
        },
    )
    body = placed.json()
    assert isinstance(body, list)
    assert body[0]["status"] == "success"
    order_id = body[0]["data"]["order_id"]
    partial = await client.put(
        f"{BASE}/orders/regular/{order_id}", headers=auth, data={"price": "701"}
    )
    assert partial.json()["error_type"] == "InputException"  # modify is a full replace
    assert (await client.get(f"{BASE}/tradebook", headers=auth)).json()["data"] == "None"
    funds = (await client.get(f"{BASE}/user/fundsummary", headers=auth)).json()["data"]
    assert isinstance(funds, list)
    assert funds[0]["SEG"] == "A"
    quote = await client.get(
        f"{BASE}/instruments/quote/ltp",
        headers=auth,
        params=[("i", "NSE:SBIN-EQ"), ("i", "NSE:NOPE")],
    )
    assert quote.json()["data"] == {
        "NSE:SBIN-EQ": {"instrument_token": 3045, "last_price": 800.0},
        "NSE:NOPE": None,
    }
    bad = await client.get(f"{BASE}/orders", headers={**V1, "Authorization": "token key@@:x"})
    assert (bad.status_code, bad.json()["error_type"]) == (401, "TokenException")
    wrong_key = await client.get(
        f"{BASE}/orders", headers={**V1, "Authorization": f"token other:{token}"}
    )
    assert (wrong_key.status_code, wrong_key.json()["error_type"]) == (403, "APIKeyException")
    assert mirae.broker.book.orders[order_id].tag == "T1"


async def test_data_api_limit(fake: tuple[FakeMirae, httpx.AsyncClient]) -> None:
    mirae, client = fake
    now = [100.0]
    mirae.broker.rates = RateWindows(lambda: now[0])
    token = await _token(client)
    auth = {**V1, "Authorization": f"token key@@:{token}"}
    first = await client.get(f"{BASE}/instruments/scriptmaster", headers=auth)
    assert first.headers["content-type"].startswith("text/csv")
    second = await client.get(f"{BASE}/instruments/scriptmaster", headers=auth)
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "1"
    now[0] += 1.0
    assert (await client.get(f"{BASE}/instruments/scriptmaster", headers=auth)).status_code == 200


def test_rate_windows_per_minute() -> None:
    now = [0.0]
    windows = RateWindows(lambda: now[0])
    for second in range(9):
        now[0] = float(second)
        assert all(windows.admit("k", "orders") is None for _ in range(25))
    now[0] = 9.0
    assert [windows.admit("k", "orders") is None for _ in range(26)].count(True) == 25
    assert windows.admit("k", "orders") == 51.0  # the minute window: oldest call + 60 s
    assert windows.admit("other", "orders") is None
    assert windows.admit("k", "non-trading") is None
