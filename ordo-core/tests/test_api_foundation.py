"""The assembled API against the paper broker: envelope, auth, every endpoint's success and
error paths, and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "test-token-1234567890"


def settings_for(tmp_path: Path, accounts: dict[str, dict[str, Any]], **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={name: AccountConfig(**cfg) for name, cfg in accounts.items()},
        **extra,
    )


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    settings = settings_for(
        tmp_path,
        {
            "paper": {"adapter": "mock"},
            "poor": {"adapter": "mock", "settings": {"starting_cash": "1000"}},
        },
    )
    async with gateway_in_process(settings, token=TOKEN) as gateway:
        yield gateway


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["status"] == "error"
    assert body["error_code"] == code
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return dict(body)


BUY_SBIN = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 2}


async def test_health_is_public_and_enveloped(gw: InProcessGateway) -> None:
    response = await gw.client.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["status"] == "ok"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic abc", "Bearer "])
async def test_auth_required_everywhere_but_health(
    gw: InProcessGateway, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {"Authorization": ""}
    for path in ("/api/v1/accounts", "/api/v1/funds", "/api/v1/orders", "/api/v1/plugins"):
        response = await gw.client.get(path, headers=headers)
        assert_error(response, 401, "UNAUTHORIZED")
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_request_id_is_echoed_or_generated(gw: InProcessGateway) -> None:
    echoed = await gw.client.get("/api/v1/accounts", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    assert echoed.json()["request_id"] == "abc-123"
    generated = await gw.client.get("/api/v1/accounts")
    assert len(generated.headers["x-request-id"]) == 32
    bogus = await gw.client.get("/api/v1/accounts", headers={"X-Request-ID": "x" * 500})
    assert bogus.headers["x-request-id"] != "x" * 500


async def test_unknown_route_and_method_use_the_envelope(gw: InProcessGateway) -> None:
    assert_error(await gw.client.get("/api/v1/nope"), 404, "NOT_FOUND")
    assert_error(await gw.client.put("/api/v1/orders"), 405, "METHOD_NOT_ALLOWED")


async def test_accounts_list_session_state(gw: InProcessGateway) -> None:
    body = (await gw.client.get("/api/v1/accounts")).json()
    rows = {row["name"]: row for row in body["data"]}
    assert set(rows) == {"paper", "poor"}
    assert rows["paper"]["adapter"] == "mock"
    assert rows["paper"]["session_state"] == "active"
    assert "place_order" in rows["paper"]["capabilities"]


async def test_funds_for_selected_accounts(gw: InProcessGateway) -> None:
    body = (await gw.client.get("/api/v1/funds", params={"accounts": "poor"})).json()
    assert body["status"] == "success"
    [result] = body["results"]
    assert result["account"] == "poor"
    assert result["broker"] == "mock"
    assert result["data"]["available"] == "1000.00" or float(result["data"]["available"]) == 1000


async def test_unknown_account_is_404(gw: InProcessGateway) -> None:
    assert_error(
        await gw.client.get("/api/v1/funds", params={"accounts": "paper,ghost"}),
        404,
        "UNKNOWN_ACCOUNT",
    )


async def test_market_order_fills_and_shows_in_orders_and_positions(gw: InProcessGateway) -> None:
    response = await gw.client.post("/api/v1/orders", json={**BUY_SBIN, "accounts": ["paper"]})
    body = response.json()
    assert response.status_code == 200, body
    [leg] = body["results"]
    assert leg["status"] == "success"
    order_id = leg["data"]["order_id"]
    assert leg["data"]["tag"].startswith("O")

    book = (await gw.client.get("/api/v1/orders", params={"accounts": "paper"})).json()
    orders = {o["order_id"]: o for o in book["results"][0]["data"]}
    assert orders[order_id]["status"] == "FILLED"
    assert orders[order_id]["tag"] == leg["data"]["tag"]

    one = (await gw.client.get(f"/api/v1/orders/paper/{order_id}")).json()
    assert one["data"]["filled_quantity"] == 2

    positions = (await gw.client.get("/api/v1/positions", params={"accounts": "paper"})).json()
    [sbin] = [p for p in positions["results"][0]["data"] if p["symbol"] == "SBIN"]
    assert sbin["quantity"] == 2

    portfolio = (await gw.client.get("/api/v1/portfolio")).json()
    assert portfolio["status"] == "success"
    assert {p["account"] for p in portfolio["data"]["positions"]} == {"paper"}
    assert set(portfolio["data"]["accounts"]) == {"paper", "poor"}


async def test_limit_order_rests_then_modify_and_cancel(gw: InProcessGateway) -> None:
    quote = (await gw.client.get("/api/v1/quotes", params={"symbols": "NSE:SBIN"})).json()
    ltp = float(quote["results"][0]["data"][0]["last_price"])
    price = f"{round(ltp * 0.8 / 0.05) * 0.05:.2f}"
    placed = await gw.client.post(
        "/api/v1/orders",
        json={**BUY_SBIN, "accounts": ["paper"], "order_type": "LIMIT", "price": price},
    )
    order_id = placed.json()["results"][0]["data"]["order_id"]
    order = (await gw.client.get(f"/api/v1/orders/paper/{order_id}")).json()["data"]
    assert order["status"] == "OPEN"

    new_price = f"{float(price) - 1:.2f}"
    modified = await gw.client.patch(f"/api/v1/orders/paper/{order_id}", json={"price": new_price})
    assert modified.status_code == 200, modified.json()
    order = (await gw.client.get(f"/api/v1/orders/paper/{order_id}")).json()["data"]
    assert float(order["price"]) == float(new_price)

    cancelled = await gw.client.delete(f"/api/v1/orders/paper/{order_id}")
    assert cancelled.status_code == 200, cancelled.json()
    order = (await gw.client.get(f"/api/v1/orders/paper/{order_id}")).json()["data"]
    assert order["status"] == "CANCELLED"


async def test_unknown_order_id_is_404(gw: InProcessGateway) -> None:
    assert_error(await gw.client.get("/api/v1/orders/paper/NOPE"), 404, "ORDER_NOT_FOUND")


async def test_two_accounts_partial_success(gw: InProcessGateway) -> None:
    response = await gw.client.post(
        "/api/v1/orders",
        json={**BUY_SBIN, "quantity": 100, "accounts": ["paper", "poor"]},
    )
    body = response.json()
    assert response.status_code == 207, body
    assert body["status"] == "partial"
    results = {r["account"]: r for r in body["results"]}
    assert results["paper"]["status"] == "success"
    assert results["poor"]["status"] == "error"
    assert results["poor"]["error_code"] == "INSUFFICIENT_FUNDS"
    assert "poor" in results["poor"]["message"]
    # The rejected leg never reached the broker's order endpoint.
    poor = gw.runtime.accounts.get("poor").adapter
    assert poor.broker.calls.count("place_order") == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**BUY_SBIN, "accounts": ["paper"], "quantity": 0}, 422, "INVALID_QUANTITY"),
        ({**BUY_SBIN, "accounts": ["paper"], "quantity": -5}, 422, "INVALID_QUANTITY"),
        ({**BUY_SBIN, "accounts": ["paper"], "order_type": "LIMIT"}, 422, "PRICE_REQUIRED"),
        ({**BUY_SBIN, "accounts": ["paper"], "order_type": "SL"}, 422, "PRICE_REQUIRED"),
        ({**BUY_SBIN, "accounts": ["paper"], "colour": "red"}, 422, "UNKNOWN_FIELD"),
        ({**BUY_SBIN, "accounts": ["paper"], "side": "HOLD"}, 422, "INVALID_VALUE"),
        ({**BUY_SBIN}, 422, "MISSING_FIELD"),
        ({**BUY_SBIN, "accounts": ["ghost"]}, 404, "UNKNOWN_ACCOUNT"),
    ],
)
async def test_bad_orders_get_specific_codes(
    gw: InProcessGateway, body: dict[str, Any], status: int, code: str
) -> None:
    response = await gw.client.post("/api/v1/orders", json=body)
    assert_error(response, status, code)
    paper = gw.runtime.accounts.get("paper").adapter
    assert paper.broker.calls.count("place_order") == 0  # type: ignore[attr-defined]


async def test_malformed_json_is_400(gw: InProcessGateway) -> None:
    response = await gw.client.post(
        "/api/v1/orders", content=b'{"accounts": [', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "MALFORMED_JSON")


async def test_unknown_symbol_is_rejected_before_the_broker(gw: InProcessGateway) -> None:
    response = await gw.client.post(
        "/api/v1/orders", json={**BUY_SBIN, "symbol": "NOSUCH", "accounts": ["paper"]}
    )
    body = response.json()
    assert response.status_code == 422, body
    assert body["results"][0]["error_code"] == "INSTRUMENT_NOT_FOUND"


async def test_quotes_and_bad_symbols(gw: InProcessGateway) -> None:
    body = (await gw.client.get("/api/v1/quotes", params={"symbols": "NSE:SBIN,NSE:INFY"})).json()
    symbols = {q["symbol"] for q in body["results"][0]["data"]}
    assert symbols == {"SBIN", "INFY"}
    assert_error(
        await gw.client.get("/api/v1/quotes", params={"symbols": "SBIN"}), 422, "INVALID_SYMBOL"
    )
    assert_error(
        await gw.client.get("/api/v1/quotes", params={"symbols": "XYZ:SBIN"}), 422, "INVALID_SYMBOL"
    )
    assert_error(await gw.client.get("/api/v1/quotes"), 422, "MISSING_FIELD")


async def test_instrument_search(gw: InProcessGateway) -> None:
    body = (
        await gw.client.get("/api/v1/instruments/search", params={"q": "SBI", "accounts": "paper"})
    ).json()
    assert "SBIN" in {i["symbol"] for i in body["results"][0]["data"]}


async def test_plugins_endpoint_lists_mock(gw: InProcessGateway) -> None:
    body = (await gw.client.get("/api/v1/plugins")).json()
    mock = next(p for p in body["data"] if p["name"] == "mock")
    assert mock["adapters"] == ["mock"]
    assert mock["distribution"] == "ordo-adapter-mock"
    assert "register_adapters" in mock["hooks"]
    assert "place_order" in mock["capabilities"]["mock"]


async def test_openapi_has_stable_operation_ids(gw: InProcessGateway) -> None:
    spec = gw.app.openapi()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"place_order", "list_orders", "get_order", "modify_order", "cancel_order"} <= ids
    assert {"get_funds", "get_portfolio", "get_quotes", "search_instruments"} <= ids
