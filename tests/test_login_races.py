"""Logins, answers, refreshes and logouts of one account racing each other never end in a
5xx: session rows are written by one atomic upsert and a logout may delete them at any
moment in between."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from ordo_testing.server import InProcessGateway

from .conftest import GatewayFactory

PAIRS = 300
OTP = "race-otp-4711"


async def _login_then_answer(gw: InProcessGateway, account: str) -> list[httpx.Response]:
    begun = await gw.client.post(f"/api/v1/accounts/{account}/login")
    replies = [begun]
    challenge = (begun.json().get("data") or {}).get("challenge")
    if begun.status_code == 200 and challenge:
        url = f"/api/v1/accounts/{account}/login/{challenge['challenge_id']}"
        replies.append(await gw.client.post(url, json={"answer": OTP}))
    return replies


async def test_300_concurrent_login_logout_pairs_never_answer_5xx(
    make_gateway: GatewayFactory,
) -> None:
    accounts = {
        "paper": {"adapter": "mock"},
        "otp": {"adapter": "mock", "settings": {"login_otp": OTP}},
    }
    async with make_gateway(accounts) as gw:

        async def pair(i: int) -> list[httpx.Response]:
            account = "otp" if i % 2 else "paper"
            login, logout = await asyncio.gather(
                _login_then_answer(gw, account),
                gw.client.delete(f"/api/v1/accounts/{account}/session"),
            )
            if i % 25 == 0:
                await gw.runtime.sessions.sweep()
            return [*login, logout]

        batches = await asyncio.gather(*(pair(i) for i in range(PAIRS)))
        replies = [r for batch in batches for r in batch]
        codes = Counter(r.status_code for r in replies)
        errors = Counter(r.json().get("error_code") for r in replies if r.status_code >= 400)
        assert not [c for c in codes if c >= 500], (codes, errors)
        assert codes[200] >= 2 * PAIRS, codes
        for reply in replies:
            assert reply.json()["status"] in {"success", "error"}
            if reply.status_code >= 400:
                # Losing a race is an ordinary, named client error, e.g. a challenge that a
                # concurrent logout withdrew.
                assert reply.json()["error_code"] in {"CHALLENGE_NOT_FOUND"}, reply.json()

        # Afterwards the account is usable and its stored row agrees with memory.
        final = await _login_then_answer(gw, "otp")
        assert final[-1].json()["data"]["state"] == "active", final[-1].json()
        listed = (await gw.client.get("/api/v1/accounts")).json()["data"]
        assert {a["name"]: a["session_state"] for a in listed}["otp"] == "active"
