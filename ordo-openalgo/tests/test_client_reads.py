"""Books, funds, market data, instruments, ping and analyzer mode, read by the real client."""

from __future__ import annotations

import httpx
import pytest

from .conftest import APIKEY, PAPER_ONLY_KEY, Facade


def test_books_and_funds_parse(facade: Facade) -> None:
    client = facade.client()
    placed = client.placeorder(
        symbol="SBIN", exchange="NSE", action="BUY", quantity=5, product="MIS"
    )
    assert placed["status"] == "success", placed

    book = client.orderbook()
    assert book["status"] == "success", book
    (order,) = book["data"]["orders"]
    assert order["orderid"] == placed["orderid"]
    assert order["order_status"] == "complete"
    assert book["data"]["statistics"]["total_completed_orders"] == 1

    trades = client.tradebook()
    assert trades["status"] == "success", trades
    (trade,) = trades["data"]
    assert (trade["orderid"], trade["action"], trade["quantity"]) == (placed["orderid"], "BUY", 5)
    assert trade["trade_value"] == round(trade["average_price"] * 5, 4)

    positions = client.positionbook()
    (position,) = positions["data"]
    assert (position["symbol"], position["exchange"], position["product"]) == ("SBIN", "NSE", "MIS")
    assert position["quantity"] == 5

    holdings = client.holdings()
    assert holdings["status"] == "success", holdings
    assert set(holdings["data"]["statistics"]) == {
        "totalholdingvalue",
        "totalinvvalue",
        "totalprofitandloss",
        "totalpnlpercentage",
    }

    funds = client.funds()
    assert funds["status"] == "success", funds
    data = funds["data"]
    assert set(data) == {
        "availablecash",
        "collateral",
        "m2mrealized",
        "m2munrealized",
        "utiliseddebits",
    }
    assert all(len(value.split(".")[1]) == 2 for value in data.values())
    # The paper broker's cash pays for the fill at once (one crore to start).
    assert float(data["availablecash"]) == pytest.approx(
        10_000_000 - trade["trade_value"], abs=0.01
    )


def test_reads_answer_get_with_the_key_in_the_query(facade: Facade) -> None:
    response = httpx.get(f"{facade.base}/api/v1/funds", params={"apikey": APIKEY})
    assert response.status_code == 200
    assert response.json()["status"] == "success"


def test_quotes_and_instruments(facade: Facade) -> None:
    client = facade.client()
    quote = client.quotes(symbol="SBIN", exchange="NSE")
    assert quote["status"] == "success", quote
    assert quote["data"]["ltp"] > 0
    assert set(quote["data"]) >= {
        "ltp",
        "open",
        "high",
        "low",
        "prev_close",
        "bid",
        "ask",
        "volume",
    }

    multi = client.multiquotes(
        symbols=[
            {"symbol": "SBIN", "exchange": "NSE"},
            {"symbol": "NIFTY", "exchange": "NSE_INDEX"},
        ]
    )
    assert [(r["symbol"], r["exchange"]) for r in multi["results"]] == [
        ("SBIN", "NSE"),
        ("NIFTY", "NSE_INDEX"),
    ]
    assert all(r["data"]["ltp"] > 0 for r in multi["results"])

    found = client.search(query="NIFTY", exchange="NFO")
    assert found["status"] == "success", found
    assert found["data"]
    assert all(r["exchange"] == "NFO" for r in found["data"])

    symbol = client.symbol(symbol="SBIN", exchange="NSE")
    assert symbol["data"]["symbol"] == "SBIN"
    assert symbol["data"]["lotsize"] == 1

    expiries = client.expiry(symbol="NIFTY", exchange="NFO", instrumenttype="futures")
    assert expiries["status"] == "success", expiries
    # The paper broker's NIFTY futures on 2025-01-06: last Tuesdays of January and February.
    assert expiries["data"] == ["28-JAN-25", "25-FEB-25"]
    options = client.expiry(symbol="NIFTY", exchange="NFO", instrumenttype="options")
    assert "28-JAN-25" in options["data"]


def test_ping(facade: Facade) -> None:
    response = facade.post("ping", {"apikey": APIKEY})
    assert response.json() == {"status": "success", "data": {"broker": "mock", "message": "pong"}}


def test_analyzer_status_and_toggle(facade: Facade) -> None:
    client = facade.client()
    assert client.analyzerstatus()["data"] == {
        "analyze_mode": False,
        "mode": "live",
        "total_logs": 0,
    }
    switched = client.analyzertoggle(mode=True)
    assert switched["data"]["mode"] == "analyze"
    assert switched["data"]["message"] == "Analyzer mode switched to analyze"
    client.placeorder(symbol="SBIN", exchange="NSE", action="BUY", quantity=1, product="MIS")
    assert client.analyzerstatus()["data"]["total_logs"] == 1
    assert client.analyzertoggle(mode=False)["data"]["analyze_mode"] is False

    paper_only = facade.client(PAPER_ONLY_KEY)
    assert paper_only.analyzerstatus()["data"]["analyze_mode"] is True
    refused = paper_only.analyzertoggle(mode=False)
    assert refused["status"] == "error"
    assert refused["code"] == 403
    assert "limited to paper accounts" in refused["message"]
