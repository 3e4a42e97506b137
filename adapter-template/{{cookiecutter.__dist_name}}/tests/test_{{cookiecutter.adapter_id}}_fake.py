"""The fake renders Ordo's neutral matching engine in the toy wire format: a resting order
fills when the market reaches it, the risk checks reject into the book, and funds follow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from {{ cookiecutter.__package }}.fake import FakeBroker, create_app


async def _session(client: httpx.AsyncClient, broker: FakeBroker) -> dict[str, str]:
    login = await client.post(
        "/v1/session/login", json={"client_id": broker.client_id, "password": broker.password}
    )
    request_id = login.json()["data"]["request_id"]
    otp = await client.post("/v1/session/otp", json={"request_id": request_id, "otp": broker.otp})
    return {"Authorization": f"Bearer {otp.json()['data']['access_token']}"}


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker(cash=Decimal("10000.00"))


async def _place(client: httpx.AsyncClient, auth: dict[str, str], **body: Any) -> Any:
    reply = await client.post("/v1/orders", json=body, headers=auth)
    return reply.status_code, reply.json()


async def test_resting_order_fills_when_the_market_reaches_it(broker: FakeBroker) -> None:
    transport = httpx.ASGITransport(app=create_app(broker))
    async with httpx.AsyncClient(transport=transport, base_url="http://toy") as client:
        auth = await _session(client, broker)
        status, body = await _place(
            client, auth, token="1001", side="B", kind="LMT", qty=10, price="95.00", tag="T1"
        )
        assert (status, body["data"]["state"]) == (200, "OPEN")
        funds = (await client.get("/v1/funds", headers=auth)).json()["data"]
        assert (funds["available_cash"], funds["utilised"]) == ("9050.00", "950.00")
        broker.set_price("1001", Decimal("94.00"))
        [row] = (await client.get("/v1/orders", params={"tag": "T1"}, headers=auth)).json()["data"]
        assert (row["state"], row["filled"], row["avg"]) == ("FILLED", 10, "95.00")
        [position] = (await client.get("/v1/positions", headers=auth)).json()["data"]
        assert (position["sym"], position["buy_qty"], position["ltp"]) == ("TOYCO", 10, "94.00")


async def test_risk_checks_reject_into_the_book(broker: FakeBroker) -> None:
    transport = httpx.ASGITransport(app=create_app(broker))
    async with httpx.AsyncClient(transport=transport, base_url="http://toy") as client:
        auth = await _session(client, broker)
        status, body = await _place(
            client, auth, token="1002", side="B", kind="LMT", qty=100, price="250.00"
        )
        assert (status, body["data"]["state"]) == (200, "REJ")
        order_no = body["data"]["order_no"]
        row = (await client.get(f"/v1/orders/{order_no}", headers=auth)).json()["data"]
        assert "exceeds available funds" in row["reason"]
        cancel = await client.delete(f"/v1/orders/{order_no}", headers=auth)
        assert (cancel.status_code, cancel.json()["code"]) == (400, "E_STATE")
        status, body = await _place(
            client, auth, token="1001", side="B", kind="LMT", qty=1, price="95.03"
        )
        assert (status, body["code"]) == (400, "E_INPUT")
