"""Bad input gets OpenAlgo's error shape with the right HTTP code, never a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import APIKEY, Facade

ORDER: dict[str, Any] = {
    "apikey": APIKEY,
    "symbol": "SBIN",
    "action": "BUY",
    "exchange": "NSE",
    "pricetype": "MARKET",
    "product": "MIS",
    "quantity": "1",
}


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    message: str = body["message"]
    return message


def test_unknown_apikey(facade: Facade) -> None:
    message = _error(facade.post("placeorder", {**ORDER, "apikey": "not-a-key-at-all-xxxx"}), 403)
    assert message == "Invalid openalgo apikey"
    assert _error(facade.post("funds", {}), 400) == "apikey is required"
    reply = facade.client("wrong-key-wrong-key").funds()
    assert (reply["status"], reply["code"]) == ("error", 403)


@pytest.mark.parametrize("field", ["symbol", "action", "exchange", "quantity"])
def test_missing_fields_are_named(facade: Facade, field: str) -> None:
    body = {k: v for k, v in ORDER.items() if k != field}
    assert _error(facade.post("placeorder", body), 400) == f"{field} is required"


def test_invalid_values(facade: Facade) -> None:
    assert "unknown action 'HOLD'" in _error(
        facade.post("placeorder", {**ORDER, "action": "HOLD"}), 400
    )
    assert "unknown product" in _error(facade.post("placeorder", {**ORDER, "product": "BO"}), 400)
    assert "quantity" in _error(facade.post("placeorder", {**ORDER, "quantity": "-3"}), 400)
    limit_without_price = {**ORDER, "pricetype": "LIMIT"}
    assert "needs a price" in _error(facade.post("placeorder", limit_without_price), 400)


def test_unknown_symbol(facade: Facade) -> None:
    message = _error(facade.post("placeorder", {**ORDER, "symbol": "NOSUCHCO"}), 400)
    assert "INSTRUMENT_NOT_FOUND" in message
    assert "NOSUCHCO" in _error(
        facade.post("symbol", {"apikey": APIKEY, "symbol": "NOSUCHCO", "exchange": "NSE"}), 404
    )


def test_an_exchange_ordo_lacks(facade: Facade) -> None:
    message = _error(facade.post("placeorder", {**ORDER, "exchange": "NCDEX"}), 400)
    assert message.startswith("exchange NCDEX is not available in Ordo (available: NSE, BSE")
    assert "unknown exchange 'XYZ'" in _error(
        facade.post("placeorder", {**ORDER, "exchange": "XYZ"}), 400
    )


def test_unknown_order(facade: Facade) -> None:
    reply = facade.post("orderstatus", {"apikey": APIKEY, "orderid": "NOPE123"})
    assert reply.status_code == 404
    assert reply.json()["status"] == "error"


def test_bodies_that_are_not_json_objects(facade: Facade) -> None:
    url = f"{facade.base}/api/v1/placeorder"
    not_json = httpx.post(url, content=b"{oops", headers={"Content-Type": "application/json"})
    assert _error(not_json, 400) == "the request body must be JSON"
    a_list = httpx.post(url, json=[ORDER])
    assert _error(a_list, 400) == "the request body must be a JSON object with an apikey"
    plain_text = httpx.post(url, content=b"BUY SBIN", headers={"Content-Type": "text/plain"})
    assert _error(plain_text, 400) == "the request body must be JSON"


def test_a_basket_refused_by_the_kill_switch_says_so(facade: Facade) -> None:
    facade.ordo("POST", "/api/v1/kill-switch", {"reason": "test", "cancel_open_orders": False})
    leg = {k: v for k, v in ORDER.items() if k != "apikey"}
    reply = facade.post("basketorder", {"apikey": APIKEY, "orders": [leg]})
    assert reply.status_code == 423
    body = reply.json()
    assert body["status"] == "error"
    assert "KILL_SWITCH" in body["results"][0]["message"]
