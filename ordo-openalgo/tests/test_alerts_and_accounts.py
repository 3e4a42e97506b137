"""Alerts retried by their sender book one order; client keys; several accounts fan out;
analyzer keys only reach paper accounts; the kill switch stops facade orders too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import APIKEY, DUAL_KEY, PAPER_ONLY_KEY, Facade, build_app, serving

ALERT: dict[str, Any] = {
    "apikey": APIKEY,
    "strategy": "TradingView",
    "symbol": "SBIN",
    "action": "BUY",
    "exchange": "NSE",
    "pricetype": "MARKET",
    "product": "MIS",
    "quantity": "4",
}


def _orders(facade: Facade, key: str = APIKEY) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = facade.client(key).orderbook()["data"]["orders"]
    return orders


def test_an_alert_sent_three_times_books_one_order(facade: Facade) -> None:
    replies = [facade.post("placeorder", ALERT) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    first, second, third = (r.json() for r in replies)
    assert first["status"] == "success"
    assert "duplicate" not in first
    assert second["orderid"] == third["orderid"] == first["orderid"]
    assert second["duplicate"] is True
    assert third["duplicate"] is True
    assert "no new order was placed" in second["message"]
    assert len(_orders(facade)) == 1


def test_a_different_body_is_a_new_order(facade: Facade) -> None:
    facade.post("placeorder", ALERT)
    facade.post("placeorder", {**ALERT, "quantity": "5"})
    assert sorted(o["quantity"] for o in _orders(facade)) == [4, 5]


def test_without_a_window_identical_bodies_are_separate_orders(tmp_path: Path) -> None:
    with serving(build_app(tmp_path, duplicate_window_seconds=0)) as url:
        facade = Facade(app=None, url=url, data_dir=tmp_path)  # type: ignore[arg-type]
        facade.post("placeorder", ALERT)
        facade.post("placeorder", ALERT)
        assert len(_orders(facade)) == 2


@pytest.mark.parametrize("where", ["body", "header"])
def test_a_client_key_is_honoured(tmp_path: Path, where: str) -> None:
    with serving(build_app(tmp_path, duplicate_window_seconds=0)) as url:
        facade = Facade(app=None, url=url, data_dir=tmp_path)  # type: ignore[arg-type]

        def send(body: dict[str, Any]) -> Any:
            if where == "body":
                return facade.post("placeorder", {**body, "idempotency_key": "alert-42"})
            return facade.post("placeorder", body, **{"Idempotency-Key": "alert-42"})

        first, again = send(ALERT).json(), send(ALERT).json()
        assert again["orderid"] == first["orderid"]
        assert again["duplicate"] is True
        reused = send({**ALERT, "quantity": "9"})
        assert reused.status_code == 400
        assert reused.json()["status"] == "error"
        assert "IDEMPOTENCY_KEY_REUSED" in reused.json()["message"]
        assert len(_orders(facade)) == 1


def test_several_accounts_fan_out(facade: Facade) -> None:
    reply = facade.post("placeorder", {**ALERT, "apikey": DUAL_KEY}).json()
    assert reply["status"] == "success"
    assert [r["account"] for r in reply["results"]] == ["paper", "desk"]
    assert reply["orderid"] == reply["results"][0]["orderid"]
    book = facade.client(DUAL_KEY).orderbook()
    assert [r["account"] for r in book["results"]] == ["paper", "desk"]
    assert all(len(r["data"]["orders"]) == 1 for r in book["results"])
    smart = facade.client(DUAL_KEY).placesmartorder(
        symbol="SBIN", exchange="NSE", action="BUY", position_size=10, product="MIS"
    )
    assert [r["status"] for r in smart["results"]] == ["success", "success"]
    position = facade.client(DUAL_KEY).openposition(symbol="SBIN", exchange="NSE", product="MIS")
    assert [r["data"] for r in position["results"]] == ["10", "10"]


def test_partial_success_is_readable(tmp_path: Path) -> None:
    # "desk" has one rupee: its leg fails the funds check, "paper"'s goes through.
    with serving(build_app(tmp_path, desk={"starting_cash": 1})) as url:
        facade = Facade(app=None, url=url, data_dir=tmp_path)  # type: ignore[arg-type]
        reply = facade.post("placeorder", {**ALERT, "apikey": DUAL_KEY})
        assert reply.status_code == 200
        body = reply.json()
        assert body["status"] == "partial"
        assert body["message"] == "1 of 2 accounts succeeded"
        assert body["orderid"] == body["results"][0]["orderid"]
        assert [r["status"] for r in body["results"]] == ["success", "error"]
        assert "INSUFFICIENT_FUNDS" in body["results"][1]["message"]


def test_analyzer_key_reaches_paper_accounts_only(tmp_path: Path) -> None:
    with serving(build_app(tmp_path, paper_adapters=["none-here"])) as url:
        facade = Facade(app=None, url=url, data_dir=tmp_path)  # type: ignore[arg-type]
        refused = facade.post("placeorder", {**ALERT, "apikey": PAPER_ONLY_KEY})
        assert refused.status_code == 403
        assert "analyzer mode: this apikey has no paper account" in refused.json()["message"]
        assert facade.client(APIKEY).orderbook()["data"]["orders"] == []


def test_the_kill_switch_stops_facade_orders(facade: Facade) -> None:
    on = facade.ordo("POST", "/api/v1/kill-switch", {"reason": "test", "cancel_open_orders": False})
    assert on["status"] == "success", on
    reply = facade.post("placeorder", ALERT)
    assert reply.status_code == 423
    assert reply.json()["status"] == "error"
    assert "KILL_SWITCH" in reply.json()["message"]
    assert _orders(facade) == []
