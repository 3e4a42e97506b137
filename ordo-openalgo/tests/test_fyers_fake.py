"""The real client drives the facade in front of a real adapter: Fyers, against its fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from ordo.api.app import create_app
from ordo.config import AccountConfig, demo_settings
from ordo_adapter_fyers.testing import FyersHarness

from .conftest import APIKEY, TOKEN, Facade, serving


def _log_in(url: str, harness: FyersHarness) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    step = httpx.post(f"{url}/api/v1/accounts/fyers/login", headers=headers).json()
    for _ in range(6):
        assert step["status"] == "success", step
        if step["data"]["state"] == "active":
            return
        challenge = step["data"]["challenge"]
        state = parse_qs(urlsplit(challenge["url"] or "").query).get("state", [""])[0]
        step = httpx.post(
            f"{url}/api/v1/accounts/fyers/login/{challenge['challenge_id']}",
            headers=headers,
            json={"answer": harness.fake.issue_auth_code(state)},
        ).json()
    raise AssertionError(f"login did not finish: {step}")


def test_orders_and_books_through_fyers(tmp_path: Path) -> None:
    harness = FyersHarness(tmp_path / "fyers-fake")
    settings = demo_settings(
        tmp_path / "data",
        api_token=TOKEN,
        accounts={
            "fyers": AccountConfig(
                adapter="fyers", settings=harness.settings().model_dump(mode="json")
            )
        },
        sections={
            "openalgo": {"keys": [{"apikey": APIKEY, "accounts": ["fyers"]}]},
        },
    )
    # model_dump hides the secret: give the fake's own.
    settings.accounts["fyers"].settings["app_secret"] = harness.fake.app_secret
    app = create_app(settings, transports={"fyers": harness.transport})
    with serving(app) as url:
        _log_in(url, harness)
        client = Facade(app=app, url=url, data_dir=tmp_path).client()
        assert client.funds()["status"] == "success"

        placed = client.placeorder(
            symbol="SBIN",
            exchange="NSE",
            action="BUY",
            quantity=1,
            price_type="LIMIT",
            product="CNC",
            price=700,
        )
        assert placed["status"] == "success", placed
        order_id = placed["orderid"]
        status: dict[str, Any] = client.orderstatus(order_id=order_id)["data"]
        assert (status["order_status"], status["price"]) == ("open", 700.0)

        modified = client.modifyorder(
            order_id=order_id,
            symbol="SBIN",
            action="BUY",
            exchange="NSE",
            price_type="LIMIT",
            product="CNC",
            quantity=1,
            price=699.5,
        )
        assert modified["status"] == "success", modified
        assert client.orderstatus(order_id=order_id)["data"]["price"] == 699.5

        cancelled = client.cancelorder(order_id=order_id)
        assert cancelled["status"] == "success", cancelled
        assert client.orderstatus(order_id=order_id)["data"]["order_status"] == "cancelled"

        book = client.orderbook()
        assert [o["orderid"] for o in book["data"]["orders"]] == [order_id]
        assert client.positionbook()["status"] == "success"
        assert client.holdings()["status"] == "success"
