"""The official Fyers SDK (``fyers-apiv3`` 3.2.0) against the fake over loopback: every call
it exposes for login, account reads, orders, exits, history, quotes, margin and logout gets
the answer Fyers gives (envelope, codes, data), or Fyers' documented refusal.

The SDK keeps its hosts in ``Config``; they are pointed at the fake, the SDK's log files go
to the test's tmp dir, and ``loopback_only`` fails any connection to another host.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests  # type: ignore[import-untyped]  # the SDK's own HTTP library
from fyers_apiv3.fyersModel import Config, FyersModel, SessionModel
from ordo_adapter_fyers.fake import FakeFyers, create_app
from ordo_testing.loopback import NetworkRefused, loopback_only, serve_on_loopback

SBIN = "NSE:SBIN-EQ"
SBIN_LTP = 800.0


class Sdk:
    """A logged-in ``FyersModel`` and the fake behind it."""

    def __init__(self, fake: FakeFyers, base: str, model: FyersModel) -> None:
        self.fake = fake
        self.base = base
        self.model = model

    def place(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": SBIN,
            "qty": 1,
            "type": 2,
            "side": 1,
            "productType": "INTRADAY",
            "limitPrice": 0,
            "stopPrice": 0,
            "validity": "DAY",
            "disclosedQty": 0,
            "offlineOrder": False,
        }
        body.update(fields)
        reply: dict[str, Any] = self.model.place_order(body)
        return reply

    def order(self, order_id: str) -> dict[str, Any]:
        book: dict[str, Any] = self.model.orderbook({"id": order_id})
        assert book["s"] == "ok"
        (item,) = book["orderBook"]
        assert isinstance(item, dict)
        return item


def _session(fake: FakeFyers, secret: str) -> SessionModel:
    return SessionModel(
        client_id=fake.app_id,
        redirect_uri=fake.redirect_uri,
        response_type="code",
        state="ordo-test",
        secret_key=secret,
        grant_type="authorization_code",
    )


def _auth_code(session: SessionModel) -> str:
    """Stand in for the browser: follow the SDK's login URL to the redirect's auth code."""
    url: str = session.generate_authcode()
    redirect = requests.get(url, allow_redirects=False, timeout=5)
    assert redirect.status_code == 302
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query["state"] == ["ordo-test"]
    code: str = query["auth_code"][0]
    return code


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeFyers, str]]:
    monkeypatch.chdir(tmp_path)  # anything the SDK writes lands here
    fake = FakeFyers(enforce_rate_limits=False)
    with serve_on_loopback(create_app(fake)) as base, loopback_only():
        monkeypatch.setattr(Config, "API", f"{base}/api/v3")
        monkeypatch.setattr(Config, "DATA_API", f"{base}/data")
        yield fake, base


def _close_sdk_logs(model: FyersModel) -> None:
    """The SDK opens two log files per model and never closes them; its loggers are shared
    by name across models, so they are emptied too."""
    for sdk_logger in (model.api_logger, model.request_logger):
        sdk_logger.logger_handler.close()
    for name in ("FyersAPI", "FyersAPIRequest"):
        shared = logging.getLogger(name)
        for handler in list(shared.handlers):
            shared.removeHandler(handler)
            handler.close()


@pytest.fixture
def sdk(served: tuple[FakeFyers, str], tmp_path: Path) -> Iterator[Sdk]:
    fake, base = served
    session = _session(fake, fake.app_secret)
    session.set_token(_auth_code(session))
    token: dict[str, Any] = session.generate_token()
    assert token["s"] == "ok"
    model = FyersModel(client_id=fake.app_id, token=token["access_token"], log_path=str(tmp_path))
    yield Sdk(fake, base, model)
    _close_sdk_logs(model)


# -- login and logout ------------------------------------------------------------------------
def test_login_url_and_token_exchange(served: tuple[FakeFyers, str]) -> None:
    fake, base = served
    session = _session(fake, fake.app_secret)
    assert session.generate_authcode().startswith(f"{base}/api/v3/generate-authcode?client_id=")
    session.set_token(_auth_code(session))
    reply: dict[str, Any] = session.generate_token()
    assert reply["s"] == "ok"
    assert reply["code"] == 200
    assert reply["access_token"].count(".") == 2  # a JWT
    assert reply["refresh_token"]


def test_token_exchange_with_a_wrong_secret_is_refused(served: tuple[FakeFyers, str]) -> None:
    fake, _ = served
    session = _session(fake, "not-the-secret")
    session.set_token(_auth_code(session))
    reply: dict[str, Any] = session.generate_token()
    assert reply == {
        "s": "error",
        "code": -371,
        "message": "Please provide sha256 hash of appId and app secret",
    }


def test_logout_revokes_the_token(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.logout()
    assert reply == {"s": "ok", "code": 200, "message": "you are successfully logged out"}
    after: dict[str, Any] = sdk.model.get_profile()
    assert after["s"] == "error"
    assert after["code"] == -17


def test_the_sdk_cannot_leave_loopback(served: tuple[FakeFyers, str]) -> None:
    with pytest.raises(NetworkRefused):
        requests.get("https://api-t1.fyers.in/api/v3/profile", timeout=5)


# -- account reads ---------------------------------------------------------------------------
def test_profile(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.get_profile()
    assert (reply["s"], reply["code"]) == ("ok", 200)
    assert reply["data"]["fy_id"] == sdk.fake.fyers_id
    assert isinstance(reply["data"]["totp"], bool)


def test_funds(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.funds()
    assert (reply["s"], reply["code"]) == ("ok", 200)
    lines = {line["id"]: line for line in reply["fund_limit"]}
    assert set(lines) == set(range(1, 11))
    assert lines[10]["title"] == "Available Balance"
    assert lines[10]["equityAmount"] == 1_050_000.0


def test_holdings(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.holdings()
    assert (reply["s"], reply["code"]) == ("ok", 200)
    (holding,) = reply["holdings"]
    assert (holding["symbol"], holding["quantity"], holding["holdingType"]) == (SBIN, 10, "HLD")
    assert reply["overall"]["count_total"] == 1


def test_positions_trades_and_orders_start_empty(sdk: Sdk) -> None:
    positions: dict[str, Any] = sdk.model.positions()
    assert positions["netPositions"] == []
    assert positions["overall"]["count_open"] == 0
    trades: dict[str, Any] = sdk.model.tradebook()
    assert (trades["s"], trades["tradeBook"]) == ("ok", [])
    orders: dict[str, Any] = sdk.model.orderbook()
    assert (orders["s"], orders["orderBook"]) == ("ok", [])


# -- quotes ----------------------------------------------------------------------------------
def test_quotes_with_an_unknown_symbol(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.quotes({"symbols": f"{SBIN},NSE:NOSUCH-EQ"})
    assert (reply["s"], reply["code"]) == ("ok", 200)
    known, unknown = reply["d"]
    assert (known["n"], known["s"], known["v"]["lp"]) == (SBIN, "ok", SBIN_LTP)
    assert (unknown["s"], unknown["v"]["code"]) == ("error", -300)


def test_quotes_v2_posts_a_symbol_list(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.quotes_v2({"symbols": [SBIN, "NSE:TCS-EQ"]})
    assert reply["s"] == "ok"
    assert [item["n"] for item in reply["d"]] == [SBIN, "NSE:TCS-EQ"]
    assert reply["d"][1]["v"]["lp"] == 4000.0


def test_quotes_over_the_limit_are_refused(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.quotes({"symbols": ",".join([SBIN] * 51)})
    assert (reply["s"], reply["code"]) == ("error", -50)


# -- orders ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "status"),
    [
        pytest.param({"type": 2}, 2, id="market-fills"),
        pytest.param({"type": 1, "limitPrice": 790.0}, 6, id="limit-rests"),
        pytest.param({"type": 1, "limitPrice": 805.0, "productType": "CNC"}, 2, id="limit-fills"),
        pytest.param({"type": 3, "stopPrice": 810.0}, 6, id="sl-m-waits"),
        pytest.param({"type": 4, "stopPrice": 810.0, "limitPrice": 811.0}, 6, id="sl-l-waits"),
        pytest.param({"type": 2, "side": -1, "productType": "CNC"}, 2, id="sell-market"),
        pytest.param({"type": 1, "limitPrice": 790.0, "validity": "IOC"}, 1, id="ioc-cancels"),
        pytest.param(
            {"type": 2, "productType": "MARGIN", "symbol": "NSE:NIFTY25JANFUT", "qty": 75},
            2,
            id="fno-carry",
        ),
        pytest.param({"type": 1, "limitPrice": 780.0, "offlineOrder": True}, 6, id="amo"),
        pytest.param({"type": 2, "orderTag": "ordo42"}, 2, id="tagged"),
        pytest.param({"type": 2, "symbol": "NSE:NIFTY25JANFUT", "qty": 75}, 2, id="fno-intraday"),
    ],
)
def test_place_every_order_type(sdk: Sdk, fields: dict[str, Any], status: int) -> None:
    reply = sdk.place(**fields)
    assert (reply["s"], reply["code"]) == ("ok", 1101)
    assert reply["message"] == f"Order submitted successfully. Your Order Ref. No. {reply['id']}"
    item = sdk.order(reply["id"])
    assert item["status"] == status
    assert item["type"] == fields["type"]
    assert item["orderNumStatus"] == f"{reply['id']}:{status}"
    if "orderTag" in fields:
        assert item["orderTag"] == "1:ordo42"


def test_sdk_get_orders_filters_by_id(sdk: Sdk) -> None:
    first = sdk.place(type=1, limitPrice=790.0)["id"]
    sdk.place(type=1, limitPrice=791.0)
    reply: dict[str, Any] = sdk.model.get_orders({"id": first})
    assert [o["id"] for o in reply["orderBook"]] == [first]


def test_a_market_fill_shows_in_trades_and_positions(sdk: Sdk) -> None:
    order_id = sdk.place(type=2, qty=3)["id"]
    trades: dict[str, Any] = sdk.model.tradebook()
    (trade,) = trades["tradeBook"]
    assert (trade["orderNumber"], trade["tradedQty"], trade["tradePrice"]) == (order_id, 3, 800.0)
    positions: dict[str, Any] = sdk.model.positions()
    (position,) = positions["netPositions"]
    assert (position["id"], position["netQty"], position["side"]) == (f"{SBIN}-INTRADAY", 3, 1)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        pytest.param({"symbol": "NSE:NOSUCH-EQ"}, -300, id="unknown-symbol"),
        pytest.param({"type": 9}, -101, id="bad-type"),
        pytest.param({"side": 0}, -313, id="bad-side"),
        pytest.param({"productType": "XYZ"}, -314, id="bad-product"),
        pytest.param({"validity": "GTC"}, -326, id="bad-validity"),
        pytest.param({"type": 1, "limitPrice": 790.03}, -50, id="off-tick"),
        pytest.param({"type": 4, "stopPrice": 812.0, "limitPrice": 811.0}, -315, id="stop-limit"),
        pytest.param({"symbol": "NSE:NIFTY25JANFUT", "qty": 10}, -50, id="not-a-lot"),
        pytest.param({"orderTag": "no spaces allowed"}, -50, id="bad-tag"),
    ],
)
def test_place_refusals(sdk: Sdk, fields: dict[str, Any], code: int) -> None:
    reply = sdk.place(**fields)
    assert (reply["s"], reply["code"]) == ("error", code)
    assert reply["message"]


def test_rms_rejection_carries_the_order_id(sdk: Sdk) -> None:
    reply = sdk.place(type=2, qty=5000, productType="CNC")
    assert (reply["s"], reply["code"]) == ("error", -99)
    assert "Insufficient Funds" in reply["message"]
    assert sdk.order(reply["id"])["status"] == 5


def test_modify_then_cancel(sdk: Sdk) -> None:
    order_id = sdk.place(type=1, limitPrice=790.0)["id"]
    modified: dict[str, Any] = sdk.model.modify_order(
        {"id": order_id, "type": 1, "limitPrice": 795.0, "qty": 2}
    )
    assert modified == {
        "s": "ok",
        "code": 1102,
        "message": "Successfully modified order",
        "id": order_id,
    }
    item = sdk.order(order_id)
    assert (item["limitPrice"], item["qty"], item["status"]) == (795.0, 2, 6)
    cancelled: dict[str, Any] = sdk.model.cancel_order({"id": order_id})
    assert cancelled == {
        "s": "ok",
        "code": 1103,
        "message": "Successfully cancelled order",
        "id": order_id,
    }
    assert sdk.order(order_id)["status"] == 1
    again: dict[str, Any] = sdk.model.cancel_order({"id": order_id})
    assert (again["s"], again["code"]) == ("error", -161)


def test_modify_into_a_fill_and_unknown_ids(sdk: Sdk) -> None:
    order_id = sdk.place(type=1, limitPrice=790.0)["id"]
    reply: dict[str, Any] = sdk.model.modify_order({"id": order_id, "type": 2})
    assert reply["code"] == 1102
    assert sdk.order(order_id)["status"] == 2
    traded: dict[str, Any] = sdk.model.cancel_order({"id": order_id})
    assert traded["code"] == -162
    unknown: dict[str, Any] = sdk.model.modify_order({"id": "999", "type": 1, "limitPrice": 1.0})
    assert (unknown["s"], unknown["code"]) == ("error", -51)


# -- exits -----------------------------------------------------------------------------------
def test_exit_one_position_by_id(sdk: Sdk) -> None:
    sdk.place(type=2, qty=4)
    sdk.place(type=2, qty=2, symbol="NSE:TCS-EQ")
    reply: dict[str, Any] = sdk.model.exit_positions({"id": f"{SBIN}-INTRADAY"})
    assert reply == {"s": "ok", "code": 200, "message": "The position is closed."}
    positions: dict[str, Any] = sdk.model.positions()
    net = {p["id"]: p["netQty"] for p in positions["netPositions"]}
    assert net == {f"{SBIN}-INTRADAY": 0, "NSE:TCS-EQ-INTRADAY": 2}


def test_exit_all_positions(sdk: Sdk) -> None:
    sdk.place(type=2, qty=4)
    sdk.place(type=2, qty=1, side=-1, productType="CNC", symbol="NSE:TCS-EQ")
    reply: dict[str, Any] = sdk.model.exit_positions()  # the SDK sends {"exit_all": 1}
    assert (reply["s"], reply["code"]) == ("ok", 200)
    positions: dict[str, Any] = sdk.model.positions()
    assert [p["netQty"] for p in positions["netPositions"]] == [0, 0]
    assert positions["overall"]["count_open"] == 0
    nothing: dict[str, Any] = sdk.model.exit_positions()
    assert (nothing["s"], nothing["code"]) == ("error", -352)


def test_exit_by_segment_side_and_product(sdk: Sdk) -> None:
    sdk.place(type=2, qty=4)
    sdk.place(type=2, qty=75, symbol="NSE:NIFTY25JANFUT", productType="MARGIN")
    body = {"segment": [11], "side": [1], "productType": ["MARGIN"]}
    reply: dict[str, Any] = sdk.model.exit_positions(body)
    assert reply["code"] == 200
    positions: dict[str, Any] = sdk.model.positions()
    net = {p["id"]: p["netQty"] for p in positions["netPositions"]}
    assert net == {f"{SBIN}-INTRADAY": 4, "NSE:NIFTY25JANFUT-MARGIN": 0}


def test_exit_with_pending_orders_cancel(sdk: Sdk) -> None:
    resting = sdk.place(type=1, limitPrice=790.0)["id"]
    sdk.place(type=2, qty=2)
    reply: dict[str, Any] = sdk.model.exit_positions({"pending_orders_cancel": 1})
    assert reply["code"] == 200
    assert sdk.order(resting)["status"] == 1
    unknown: dict[str, Any] = sdk.model.exit_positions({"id": "NSE:TCS-EQ-CNC"})
    assert (unknown["s"], unknown["code"]) == ("error", -53)


# -- history ---------------------------------------------------------------------------------
def test_order_and_trade_history(sdk: Sdk) -> None:
    filled = sdk.place(type=2, qty=2)["id"]
    cancelled = sdk.place(type=1, limitPrice=790.0)["id"]
    sdk.model.cancel_order({"id": cancelled})
    query = {"from_date": "2025-04-01", "to_date": "2026-03-31", "page_no": 1, "page_size": 100}
    orders: dict[str, Any] = sdk.model.orderhistory({**query, "status": "0"})
    assert (orders["s"], orders["code"]) == ("ok", 200)
    statuses = {row["id_fyers"]: row["status"] for row in orders["data"]}
    assert statuses == {filled: "Executed", cancelled: "Cancelled"}
    executed: dict[str, Any] = sdk.model.orderhistory({**query, "status": "1", "symbol": "SBIN"})
    assert [row["id_fyers"] for row in executed["data"]] == [filled]
    assert executed["data"][0]["transaction_type"] == "BUY"
    trades: dict[str, Any] = sdk.model.tradehistory({**query, "symbol": SBIN})
    (trade,) = trades["data"]
    assert (trade["orderNumber"], trade["traded_qty"], trade["trade_value"]) == (filled, 2, 1600.0)
    paged: dict[str, Any] = sdk.model.orderhistory({**query, "page_no": 2, "page_size": 1})
    assert len(paged["data"]) == 1
    bad: dict[str, Any] = sdk.model.tradehistory({"page_size": "many"})
    assert (bad["s"], bad["code"]) == ("error", -50)


# -- margin ----------------------------------------------------------------------------------
def _margin(sdk: Sdk, orders: list[dict[str, Any]]) -> dict[str, Any]:
    # fyers-apiv3 3.2.0 wraps no margin call; its own transport posts to the documented path.
    reply: dict[str, Any] = sdk.model.service.post_call(
        "/multiorder/margin", sdk.model.header, {"data": orders}
    )
    return reply


def _margin_order(**fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "symbol": SBIN,
        "qty": 10,
        "side": 1,
        "type": 1,
        "productType": "CNC",
        "limitPrice": 790.0,
        "stopLoss": 0.0,
        "stopPrice": 0.0,
        "takeProfit": 0.0,
    }
    order.update(fields)
    return order


def test_margin_calculator_matches_what_the_rms_blocks(sdk: Sdk) -> None:
    order = _margin_order()
    reply = _margin(sdk, [order])
    assert (reply["s"], reply["code"]) == ("ok", 200)
    assert reply["data"] == {
        "margin_avail": 1_050_000.0,
        "margin_total": 7900.0,
        "margin_new_order": 7900.0,
    }
    sdk.place(type=1, qty=10, limitPrice=790.0, productType="CNC")
    funds: dict[str, Any] = sdk.model.funds()
    available = next(x["equityAmount"] for x in funds["fund_limit"] if x["id"] == 10)
    assert available == 1_050_000.0 - reply["data"]["margin_total"]
    again = _margin(sdk, [order])["data"]
    assert (again["margin_avail"], again["margin_new_order"]) == (available, 15800.0)


def test_margin_of_a_basket_and_leveraged_products(sdk: Sdk) -> None:
    intraday = _margin_order(productType="INTRADAY", type=2, limitPrice=0.0)
    future = _margin_order(symbol="NSE:NIFTY25JANFUT", qty=75, productType="MARGIN", type=2)
    reply = _margin(sdk, [intraday, {**future, "limitPrice": 0.0}])
    # a fifth of 10 x 800 plus a fifth of 75 x 23050
    assert reply["data"]["margin_total"] == 1600.0 + 345750.0


@pytest.mark.parametrize(
    ("orders", "code"),
    [
        pytest.param([], -50, id="empty"),
        pytest.param([_margin_order(symbol="NSE:NOSUCH-EQ")], -300, id="unknown-symbol"),
        pytest.param([_margin_order(qty=0)], -50, id="zero-qty"),
        pytest.param([_margin_order(productType="XYZ")], -314, id="bad-product"),
    ],
)
def test_margin_refusals(sdk: Sdk, orders: list[dict[str, Any]], code: int) -> None:
    reply = _margin(sdk, orders)
    assert (reply["s"], reply["code"]) == ("error", code)


# -- cover and bracket orders ----------------------------------------------------------------
def test_cover_and_bracket_orders(sdk: Sdk) -> None:
    cover = sdk.place(productType="CO", type=2, stopLoss=2.0)
    assert (cover["s"], cover["code"]) == ("ok", 1101)
    assert sdk.order(cover["id"])["productType"] == "CO"
    bracket = sdk.place(productType="BO", type=1, limitPrice=790.0, stopLoss=5.0, takeProfit=10.0)
    assert (bracket["s"], bracket["code"]) == ("ok", 1101)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        pytest.param({"productType": "CO"}, -311, id="co-without-stop-loss"),
        pytest.param({"productType": "CO", "stopLoss": 2.03}, -50, id="co-stop-off-tick"),
        pytest.param({"productType": "BO", "stopLoss": 5.0}, -325, id="bo-without-target"),
        pytest.param(
            {"productType": "CO", "stopLoss": 2.0, "type": 3, "stopPrice": 810.0},
            -305,
            id="co-stop-order",
        ),
        pytest.param({"productType": "CO", "stopLoss": 2.0, "validity": "IOC"}, -326, id="co-ioc"),
        pytest.param(
            {"productType": "BO", "stopLoss": 5.0, "takeProfit": 9.0, "orderTag": "t1"}, -50
        ),
    ],
)
def test_cover_and_bracket_refusals(sdk: Sdk, fields: dict[str, Any], code: int) -> None:
    reply = sdk.place(**fields)
    assert (reply["s"], reply["code"]) == ("error", code)
    assert sdk.model.orderbook()["orderBook"] == []  # refused before reaching the book


# -- the SDK's asyncio mode ------------------------------------------------------------------
async def test_async_mode_reads_and_places(served: tuple[FakeFyers, str], tmp_path: Path) -> None:
    fake, _ = served
    session = _session(fake, fake.app_secret)
    session.set_token(_auth_code(session))
    token = session.generate_token()["access_token"]
    model = FyersModel(client_id=fake.app_id, token=token, is_async=True, log_path=str(tmp_path))
    try:
        profile: dict[str, Any] = await model.get_profile()
        assert profile["data"]["fy_id"] == fake.fyers_id
        body = {
            "symbol": SBIN,
            "qty": 1,
            "type": 2,
            "side": 1,
            "productType": "INTRADAY",
            "limitPrice": 0,
            "stopPrice": 0,
            "validity": "DAY",
            "disclosedQty": 0,
            "offlineOrder": False,
        }
        placed: dict[str, Any] = await model.place_order(body)
        assert (placed["s"], placed["code"]) == ("ok", 1101)
        cancelled: dict[str, Any] = await model.cancel_order({"id": placed["id"]})
        assert cancelled["code"] == -162  # a market order has traded already
    finally:
        await model.close()
        _close_sdk_logs(model)


def test_depth_and_market_status(sdk: Sdk) -> None:
    reply: dict[str, Any] = sdk.model.depth({"symbol": SBIN, "ohlcv_flag": "1"})
    assert reply["s"] == "ok"
    book = reply["d"][SBIN]
    assert (len(book["bids"]), len(book["ask"]), book["ltp"]) == (5, 5, SBIN_LTP)
    assert book["bids"][0]["price"] < SBIN_LTP < book["ask"][0]["price"]
    unknown: dict[str, Any] = sdk.model.depth({"symbol": "NSE:NOSUCH-EQ", "ohlcv_flag": "1"})
    assert (unknown["s"], unknown["code"]) == ("error", -300)
    status: dict[str, Any] = sdk.model.market_status()
    nse_cash = [
        row
        for row in status["marketStatus"]
        if (row["exchange"], row["segment"], row["market_type"]) == (10, 10, "NORMAL")
    ]
    assert [row["status"] for row in nse_cash] == ["OPEN"]


def test_order_and_trade_books_filter_by_tag(sdk: Sdk) -> None:
    tagged = sdk.place(type=2, orderTag="ordo7")["id"]
    sdk.place(type=2)
    orders: dict[str, Any] = sdk.model.orderbook({"order_tag": "ordo7"})
    assert [o["id"] for o in orders["orderBook"]] == [tagged]
    trades: dict[str, Any] = sdk.model.service.get_call(
        "/tradebook", sdk.model.header, {"order_tag": "1:ordo7"}
    )
    assert [t["orderNumber"] for t in trades["tradeBook"]] == [tagged]
