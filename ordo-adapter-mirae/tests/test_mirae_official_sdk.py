"""The official m.Stock Type A SDK (``mstock-tradingapi-a`` 0.1.9) against the fake over
loopback: login (SMS OTP and TOTP), account reads, quotes, the scrip master, every order
variety and type, modify, cancel, cancel-all, order details, trade history, the margin
calculator and logout get m.Stock's answers, or its documented refusals (which the SDK
raises as the exception class named by ``error_type``).

The SDK opens ``mconnect.log`` in the working directory when imported, so it is imported
from the test's tmp dir and its file handler is closed; ``loopback_only`` fails any
connection to a host other than the fake.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests  # type: ignore[import-untyped]  # the SDK's own HTTP library
import tradingapi_a.exceptions as sdk_errors
from ordo.adapters.clock import IST
from ordo_adapter_mirae.fake import FakeMirae
from ordo_adapter_mirae.fake.state import FakeBroker, FakeUser
from ordo_testing.loopback import loopback_only, serve_on_loopback

USERNAME, PASSWORD, API_KEY = "MA0001", "fake-password", "fake-api-key@@"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OTP = "246810"


def _sdk_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)  # the import opens mconnect.log in the working directory
    module = importlib.import_module("tradingapi_a.mconnect")
    for handler in list(module.default_log.handlers):
        module.default_log.removeHandler(handler)
        handler.close()
    return module


def _quiet_logger() -> logging.Logger:
    # The SDK logs request headers (the access token) at debug level: send them nowhere.
    logger = logging.getLogger("ordo.tests.mstock-sdk")
    logger.propagate = False
    logger.handlers = [logging.NullHandler()]
    return logger


class Sdk:
    """An ``MConnect`` pointed at the fake, and the fake's state."""

    def __init__(self, client: Any, broker: FakeBroker, base: str) -> None:
        self.client = client
        self.broker = broker
        self.base = base

    def login(self) -> None:
        self.client.login(USERNAME, PASSWORD)
        self.client.generate_session(API_KEY, OTP, "L")

    def place(self, variety: str = "regular", **fields: Any) -> str:
        order: dict[str, Any] = {
            "tradingsymbol": "SBIN-EQ",
            "exchange": "NSE",
            "transaction_type": "BUY",
            "order_type": "MARKET",
            "quantity": "1",
            "product": "CNC",
            "validity": "DAY",
            "price": "0",
            "trigger_price": "0",
            "disclosed_quantity": "0",
            "tag": "ordo1",
        }
        order.update(fields)
        reply = self.client.place_order(variety, *order.values())
        body = reply.json()
        assert isinstance(body, list)  # m.Stock wraps a placement in a list of one
        (envelope,) = body
        assert envelope["status"] == "success"
        order_id: str = envelope["data"]["order_id"]
        return order_id

    def row(self, order_id: str) -> dict[str, Any]:
        rows = self.client.get_order_book().json()["data"]
        (row,) = [r for r in rows if r["order_id"] == order_id]
        assert isinstance(row, dict)
        return row


@pytest.fixture
def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, FakeBroker, str]]:
    module = _sdk_module(tmp_path, monkeypatch)
    users = [
        FakeUser(USERNAME, PASSWORD, API_KEY),
        FakeUser("MA0002", "totp-password", "totp-key@@", totp_secret=TOTP_SECRET),
    ]
    broker = FakeBroker(users=users, fixed_otp=OTP, enforce_rate_limits=False)
    with serve_on_loopback(FakeMirae(broker).app) as base, loopback_only():
        yield module, broker, base


def _client(module: Any, base: str) -> Any:
    client = module.MConnect(logger=_quiet_logger())
    client.default_root_uri = f"{base}/"
    return client


@pytest.fixture
def sdk(served: tuple[Any, FakeBroker, str]) -> Sdk:
    module, broker, base = served
    session = Sdk(_client(module, base), broker, base)
    session.login()
    return session


# -- login and logout ------------------------------------------------------------------------
def test_sms_otp_login(served: tuple[Any, FakeBroker, str]) -> None:
    module, broker, base = served
    client = _client(module, base)
    step1 = client.login(USERNAME, PASSWORD).json()
    assert step1["status"] == "success"
    assert step1["data"]["cid"] == USERNAME
    assert broker.forms[-1] == {"Username": USERNAME, "Password": PASSWORD}
    step2 = client.generate_session(API_KEY, OTP, "L").json()
    assert step2["data"]["broker"] == "MIRAE"
    assert client.access_token == step2["data"]["access_token"]
    assert client.get_order_book().json() == {"status": "success", "data": None}


def test_totp_login(served: tuple[Any, FakeBroker, str]) -> None:
    module, broker, base = served
    client = _client(module, base)
    client.login("MA0002", "totp-password")
    reply = client.verify_totp("totp-key@@", broker.totp_now("MA0002")).json()
    assert reply["status"] == "success"
    assert client.access_token == reply["data"]["access_token"]
    assert client.get_fund_summary().json()["status"] == "success"


@pytest.mark.parametrize(
    ("step", "error", "message"),
    [
        pytest.param("password", sdk_errors.MiraeException, "Invalid username", id="password"),
        pytest.param("otp", sdk_errors.MiraeException, "OTP is incorrect", id="otp"),
        pytest.param("key", sdk_errors.APIKeyException, "API is suspended", id="api-key"),
        pytest.param("totp", sdk_errors.MiraeException, "correct TOTP", id="totp"),
    ],
)
def test_login_refusals(
    served: tuple[Any, FakeBroker, str], step: str, error: type[Exception], message: str
) -> None:
    module, _, base = served
    client = _client(module, base)
    if step != "password":
        client.login(USERNAME, PASSWORD)
    calls: dict[str, Callable[[], Any]] = {
        "password": lambda: client.login(USERNAME, "wrong"),
        "otp": lambda: client.generate_session(API_KEY, "000000", "L"),
        "key": lambda: client.generate_session("unknown-key", OTP, "L"),
        "totp": lambda: client.verify_totp(API_KEY, "000000"),
    }
    with pytest.raises(error, match=message):
        calls[step]()


def test_logout_ends_the_session(sdk: Sdk) -> None:
    assert sdk.client.logout().json() == {"status": "success", "data": "Success"}
    with pytest.raises(sdk_errors.TokenException) as caught:
        sdk.client.get_order_book()
    assert caught.value.code == 401


# -- account reads ---------------------------------------------------------------------------
def test_fund_summary(sdk: Sdk) -> None:
    reply = sdk.client.get_fund_summary().json()
    (row,) = reply["data"]
    assert (row["AVAILABLE_BALANCE"], row["SEG"], row["LIMIT_TYPE"]) == (
        "500000.00",
        "A",
        "CAPITAL",
    )


def test_holdings_and_empty_books(sdk: Sdk) -> None:
    holdings = sdk.client.get_holdings().json()["data"]
    assert [(h["isin"], h["quantity"]) for h in holdings] == [
        ("INE062A01020", 10),
        ("INE009A01021", 5),
    ]
    assert sdk.client.get_net_position().json()["data"] == {"net": [], "day": None}
    assert sdk.client.get_trade_book().json() == {"status": "success", "data": "None"}


def test_quotes_and_scrip_master(sdk: Sdk) -> None:
    ltp = sdk.client.get_ltp(["NSE:SBIN-EQ", "NSE:NOSUCH"]).json()["data"]
    assert ltp == {
        "NSE:SBIN-EQ": {"instrument_token": 3045, "last_price": 800.0},
        "NSE:NOSUCH": None,
    }
    ohlc = sdk.client.get_ohlc(["NSE:SBIN-EQ"]).json()["data"]["NSE:SBIN-EQ"]
    assert (ohlc["last_price"], ohlc["ohlc"]["open"]) == (800.0, 800.0)
    master = sdk.client.get_instruments()
    assert isinstance(master, bytes)  # the SDK hands CSV back raw
    assert master.decode().startswith("instrument_token,exchange_token,tradingsymbol,")


# -- orders ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("variety", "fields", "status"),
    [
        pytest.param("regular", {}, "Traded", id="market"),
        pytest.param("regular", {"order_type": "LIMIT", "price": "790"}, "Pending", id="limit"),
        pytest.param(
            "regular",
            {"order_type": "SL", "price": "811", "trigger_price": "810"},
            "Trigger Pending",
            id="sl",
        ),
        pytest.param(
            "regular", {"order_type": "SL-M", "trigger_price": "810"}, "Trigger Pending", id="sl-m"
        ),
        pytest.param("regular", {"product": "MIS", "transaction_type": "SELL"}, "Traded", id="mis"),
        pytest.param("regular", {"validity": "IOC", "product": "NRML"}, "Traded", id="ioc"),
        pytest.param("amo", {"order_type": "LIMIT", "price": "790"}, "O-Pending", id="amo"),
        pytest.param(
            "regular",
            {"tradingsymbol": "NIFTY30DECFUT", "exchange": "NFO", "quantity": "75"},
            "Traded",
            id="future",
        ),
    ],
)
def test_place_every_order_type(
    sdk: Sdk, variety: str, fields: dict[str, str], status: str
) -> None:
    order_id = sdk.place(variety, **fields)
    row = sdk.row(order_id)
    assert row["status"] == status
    assert row["tag"] == "ordo1"
    product = fields.get("product", "CNC")
    assert row["product"] == ("INTRADAY" if product == "MIS" else product)


@pytest.mark.parametrize(
    ("variety", "fields", "error", "message"),
    [
        pytest.param("regular", {"tradingsymbol": "NOSUCH"}, "InputException", "Invalid scrip"),
        pytest.param("regular", {"tradingsymbol": "SUSPCO-EQ"}, "InputException", "suspended"),
        pytest.param(
            "regular", {"order_type": "LIMIT", "price": "790.03"}, "InputException", "tick size"
        ),
        pytest.param("regular", {"product": "INTRADAY"}, "InputException", "Invalid product"),
        pytest.param("regular", {"tag": "not a tag!"}, "InputException", "Tag"),
        pytest.param("co", {"trigger_price": "790"}, "InputException", "Invalid variety co"),
    ],
)
def test_place_refusals(
    sdk: Sdk, variety: str, fields: dict[str, str], error: str, message: str
) -> None:
    with pytest.raises(getattr(sdk_errors, error), match=message):
        sdk.place(variety, **fields)


def test_sdk_refuses_an_unknown_variety_itself(sdk: Sdk) -> None:
    reply = sdk.client.place_order(
        "iceberg", "SBIN-EQ", "NSE", "BUY", "MARKET", "1", "CNC", "DAY", "0", "0", "0", "t1"
    )
    assert reply["status"] == "error"
    assert sdk.broker.calls[-1][1].endswith("/session/token")  # nothing reached the fake


def test_an_rms_rejection_shows_in_the_book(sdk: Sdk) -> None:
    order_id = sdk.place(quantity="5000")
    row = sdk.row(order_id)
    assert row["status"] == "Rejected"
    assert "FUND LIMIT INSUFFICIENT" in row["status_message"]


def test_modify_with_the_sdk_fields(sdk: Sdk) -> None:
    order_id = sdk.place(order_type="LIMIT", price="790", product="MIS")
    reply = sdk.client.modify_order(order_id, "LIMIT", "2", "795", "DAY", "0", "0").json()
    assert reply == {"status": "success", "data": {"order_id": order_id}}
    assert sdk.broker.forms[-1] == {
        "order_type": "LIMIT",
        "quantity": "2",
        "price": "795",
        "validity": "DAY",
        "trigger_price": "0",
        "disclosed_quantity": "0",
    }
    row = sdk.row(order_id)
    assert (row["price"], row["quantity"], row["modified"]) == (795.0, 2, "true")
    sdk.client.modify_order(order_id, "MARKET", "2", "0", "DAY", "0", "0")
    assert sdk.row(order_id)["status"] == "Traded"
    with pytest.raises(sdk_errors.MiraeException, match="Order is Traded"):
        sdk.client.modify_order(order_id, "LIMIT", "2", "795", "DAY", "0", "0")


def test_modify_refusals(sdk: Sdk) -> None:
    order_id = sdk.place(order_type="LIMIT", price="790", product="MIS")
    with pytest.raises(sdk_errors.InputException, match="Enter valid price"):
        sdk.client.modify_order(order_id, "LIMIT", "1", "0", "DAY", "0", "0")
    # The book reports MIS as INTRADAY; sent back as a product, m.Stock refuses it.
    url = f"{sdk.base}/openapi/typea/orders/regular/{order_id}"
    headers = {
        "X-Mirae-Version": "1",
        "Authorization": f"token {API_KEY}:{sdk.client.access_token}",
    }
    form = {
        "order_type": "LIMIT",
        "quantity": "1",
        "price": "795",
        "validity": "DAY",
        "trigger_price": "0",
        "disclosed_quantity": "0",
    }
    intraday = requests.put(url, data={**form, "product": "INTRADAY"}, headers=headers, timeout=5)
    assert intraday.json() == {
        "status": "error",
        "message": "Invalid product",
        "error_type": "InputException",
        "data": None,
    }
    assert requests.put(url, data={**form, "product": "MIS"}, headers=headers, timeout=5).ok


def test_cancel_and_cancel_all(sdk: Sdk) -> None:
    first = sdk.place(order_type="LIMIT", price="790")
    second = sdk.place(order_type="LIMIT", price="791")
    third = sdk.place(order_type="SL-M", trigger_price="810")
    reply = sdk.client.cancel_order(first).json()
    assert reply == {"status": "success", "data": {"order_id": first}}
    with pytest.raises(sdk_errors.MiraeException, match="Order is Cancelled"):
        sdk.client.cancel_order(first)
    with pytest.raises(sdk_errors.InputException, match="Order Does not Exsist"):
        sdk.client.cancel_order("1131241009999")
    everything = sdk.client.cancel_all().json()
    assert everything == {"status": "success", "data": {"order_id": third}}
    assert [sdk.row(i)["status"] for i in (first, second, third)] == ["Cancelled"] * 3
    with pytest.raises(sdk_errors.InputException, match="No open orders"):
        sdk.client.cancel_all()


def test_order_details(sdk: Sdk) -> None:
    order_id = sdk.place(order_type="LIMIT", price="790")
    reply = sdk.client.get_order_details(order_id, "E").json()
    (row,) = reply["data"]
    assert (row["order_id"], row["status"], row["price"]) == (order_id, "Pending", 790.0)
    assert sdk.client.get_order_details("1", "E").json() == {"status": "success", "data": "None"}
    with pytest.raises(sdk_errors.InputException, match="segment"):
        sdk.client.get_order_details(order_id, "X")


def test_order_details_are_the_orders_history(sdk: Sdk) -> None:
    order_id = sdk.place(quantity="3")  # a market order: booked, then filled
    rows = sdk.client.get_order_details(order_id, "E").json()["data"]
    assert [(r["status"], r["filled_quantity"], r["pending_quantity"]) for r in rows] == [
        ("Pending", 0, 3),
        ("Traded", 3, 0),
    ]
    assert {r["order_id"] for r in rows} == {order_id}
    # The 12-hour layout of this endpoint ("23-01-2025 02:55:55 PM").
    assert rows[0]["order_timestamp"].endswith(("AM", "PM"))
    # An equity order is not in the derivatives segment.
    assert sdk.client.get_order_details(order_id, "D").json()["data"] == "None"


def test_trade_book_and_history(sdk: Sdk) -> None:
    order_id = sdk.place(quantity="3")
    (trade,) = sdk.client.get_trade_book().json()["data"]
    assert (trade["ORDER_NUMBER"], trade["QUANTITY"], trade["PRICE"]) == (order_id, 3, 800.0)
    today = datetime.now(UTC).astimezone(IST).date().isoformat()
    (fill,) = sdk.client.get_trade_history(today, today).json()["data"]
    assert (fill["order_id"], fill["quantity"], fill["average_price"]) == (order_id, 3, 800.0)
    assert fill["transaction_type"] == "BUY"
    assert sdk.client.get_trade_history("2020-01-01", "2020-01-31").json()["data"] == []
    with pytest.raises(sdk_errors.InputException, match="YYYY-MM-DD"):
        sdk.client.get_trade_history("01-01-2020", today)


# -- margin ----------------------------------------------------------------------------------
def test_margin_calculator_matches_what_a_fill_uses(sdk: Sdk) -> None:
    reply = sdk.client.calculate_order_margin(
        "NSE", "SBIN-EQ", "BUY", "regular", "CNC", "MARKET", 10, 0, 0
    ).json()
    assert reply["status"] == "success"
    margin = reply["data"]
    assert (margin["type"], margin["total"], margin["charges"]["total"]) == ("equity", 8000.0, 0)
    sdk.place(quantity="10")
    (funds,) = sdk.client.get_fund_summary().json()["data"]
    assert Decimal(funds["AVAILABLE_BALANCE"]) == Decimal(500000) - Decimal(str(margin["total"]))


def test_margin_of_a_future_and_refusals(sdk: Sdk) -> None:
    future = sdk.client.calculate_order_margin(
        "NFO", "NIFTY30DECFUT", "SELL", "regular", "NRML", "LIMIT", 75, 21550, 0
    ).json()["data"]
    assert future["total"] == pytest.approx(75 * 21550 * 0.15)
    with pytest.raises(sdk_errors.InputException, match="multiple of 75"):
        sdk.client.calculate_order_margin(
            "NFO", "NIFTY30DECFUT", "SELL", "regular", "NRML", "LIMIT", 10, 21550, 0
        )
    with pytest.raises(sdk_errors.InputException, match="Invalid scrip"):
        sdk.client.calculate_order_margin(
            "NSE", "NOSUCH", "BUY", "regular", "CNC", "MARKET", 1, 0, 0
        )
