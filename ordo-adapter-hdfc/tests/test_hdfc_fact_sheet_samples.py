"""HDFC InvestRight has no official Python SDK, so the fake is checked against every request
sample of the fact sheet (shared/brokers/hdfc.md): each documented call, sent the way the
docs' curl samples send it, gets the documented envelope and fields."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from ordo_adapter_hdfc.fake import create_app
from ordo_adapter_hdfc.fake.state import FakeBroker, FakeConfig

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


class Session:
    """A client on the fake that walks the documented login and keeps what it returns."""

    def __init__(self, client: httpx.AsyncClient, broker: FakeBroker) -> None:
        self.client = client
        self.broker = broker
        self.key = {"api_key": broker.config.api_key}
        self.token_id = ""
        self.request_token = ""
        self.access_token = ""

    def authed(self) -> dict[str, str]:
        return {"Authorization": self.access_token, "User-Agent": UA}

    async def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> httpx.Response:
        return await self.client.request(
            method,
            path,
            params=self.key | (params or {}),
            headers=self.authed() if self.access_token else {"User-Agent": UA},
            json=body,
        )

    async def login(self) -> None:
        self.token_id = (await self.call("GET", "/oapi/v1/login")).json()["tokenId"]
        ids = {"token_id": self.token_id}
        creds = {"username": self.broker.config.username, "password": self.broker.config.password}
        await self.call("POST", "/oapi/v1/login/validate", params=ids, body=creds)
        answer = {"answer": self.broker.config.otp}
        twofa = await self.call("POST", "/oapi/v1/twofa/validate", params=ids, body=answer)
        consent = ids | {"consent": "True", "request_token": twofa.json()["requestToken"]}
        authorised = await self.call("GET", "/oapi/v1/authorise", params=consent)
        self.request_token = authorised.json()["requestToken"]
        access = await self.call(
            "POST",
            "/oapi/v1/access-token",
            params={"request_token": self.request_token},
            body={"apiSecret": self.broker.config.api_secret},
        )
        self.access_token = access.json()["accessToken"]

    async def place(self, body: dict[str, Any]) -> str:
        reply = await self.call("POST", "/oapi/v1/orders/regular", body=body)
        assert reply.json()["status"] == "success", reply.text
        order_id: str = reply.json()["data"]["order_id"]
        return order_id

    async def settled(self, order_id: str) -> dict[str, Any]:
        """Read the order until RMS has decided (a new order first shows Pending)."""
        for _ in range(5):
            reply = await self.call("GET", f"/oapi/v1/orders/{order_id}")
            (row,) = reply.json()["data"]
            if row["status"] != "Pending":
                break
        assert isinstance(row, dict)
        return row


EQUITY_ORDER: dict[str, Any] = {
    "exchange": "NSE",
    "security_id": "SBIINDEQNR",
    "instrument_segment": "EQUITY",
    "transaction_type": "Buy",  # the samples' casing; the table says BUY
    "product": "DELIVERY",
    "order_type": "LIMIT",
    "quantity": 1,
    "price": 800.0,
    "trigger_price": 0,
    "disclosed_quantity": 0,
    "validity": "DAY",
    "amo": False,
    "external_reference_number": 1234567890123,  # a JSON number, as the sample sends
}
OPTION_ORDER: dict[str, Any] = {
    "exchange": "NSE",  # the parent exchange, never NFO
    "security_id": "68180",
    "instrument_segment": "OPTIDX",
    "transaction_type": "Buy",
    "product": "OVERNIGHT",
    "order_type": "MARKET",
    "quantity": 50,  # units, not lots
    "price": 0,
    "trigger_price": 0,
    "disclosed_quantity": 0,
    "validity": "DAY",
    "amo": False,
    "expiry_date": "20300131",  # every sample sends YYYYMMDD
    "strike_price": 21500,
    "option_type": "CE",
    "underlying_symbol": "NIFTYEQEQNR",
}

FUND_KEYS = {
    "total_available_limit",
    "total_utilised_limit",
    "total_limit",
    "totalAvailableLimitDetails",
    "totalUtilizationDetails",
    "totalLimitDetails",
}
AVAILABLE_DETAIL_KEYS = {
    "cash",
    "mtf",
    "equity_intraday",
    "equity_margin",
    "cover_order",
    "derivative_future_shortOption",
    "option_buy",
    "mutual_fund",
    "cdx_future_shortOption",
    "cdx_option_buy",
    "com_derivative_future_shortOption",
    "com_derivative_option_buy",
}
UTILISATION_DETAIL_KEYS = {
    "cash",
    "mtf",
    "equity_margin_intraday_cover",
    "derivative_future_shortOption",
    "option_buy",
    "mutual_fund",
    "cdxFutureShortOption",
    "cdxOptionBuy",
    "comDerivativeFutureShortOption",
}
LIMIT_DETAIL_KEYS = {
    "bank_hold",
    "intraday_sales_proceed",
    "ledger_balance",
    "adhoc_limit",
    "pledge_limit",
}
HOLDING_KEYS = {
    "security_id",
    "exchange",
    "company_name",
    "sector_name",
    "isin",
    "quantity",
    "average_price",
    "investment_value",
    "close_price",
    "realised",
    "sip_indicator",
    "mtf_indicator",
    "ltcg_quantity",
    "corporate_action_indicator",
    "corporate_action_message",
}
POSITION_KEYS = {
    "client_id",
    "security_id",
    "instrument_segment",
    "underlying_symbol",
    "product",
    "exchange",
    "expiry_date",
    "option_type",
    "strike_price",
    "total_buy_quantity",
    "total_sell_qty",
    "net_qty",
    "t_day_net_qty",
    "average_buy_price",
    "average_sell_price",
    "total_buy_value",
    "total_sell_value",
    "t_day_buy_quantity",
    "t_day_sell_qty",
    "t_day_average_buy_price",
    "t_day_avg_sell_price",
    "t_day_buy_value",
    "t_day_sell_value",
    "cf_buy_qty",
    "cf_sell_qty",
    "cf_average_buy_price",
    "cf_average_sell_price",
    "cf_buy_value",
    "cf_sell_value",
    "realised_pl_overall_position",
    "realised_pl_t_day_position",
}
ORDER_KEYS = {
    "order_id",
    "exchange_order_id",
    "status",
    "status_message",
    "status_message_raw",
    "order_timestamp",
    "exchange",
    "security_id",
    "tradingsymbol",
    "company_name",
    "underlying_symbol",
    "instrument_segment",
    "instrument_type",
    "expiry_date",
    "strike_price",
    "option_type",
    "isin",
    "transaction_type",
    "validity",
    "product",
    "order_type",
    "quantity",
    "disclosed_quantity",
    "filled_quantity",
    "pending_quantity",
    "cancelled_quantity",
    "price",
    "trigger_price",
    "average_price",
    "total_traded_value",
    "order_source",
    "order_subchannel",
    "order_slot",
    "modification_allowed",
    "cancellation_allowed",
    "token_id",
    "good_till_date",
    "external_reference_number",
    "modified",
    "instrument_token",
    "market_protection",
}
TRADE_KEYS = {
    "client_id",
    "trade_id",
    "order_id",
    "exchange",
    "product",
    "average_price",
    "filled_quantity",
    "pending_quantity",
    "exchange_order_id",
    "transaction_type",
    "fill_timestamp",
    "security_id",
    "company_name",
    "underlying_symbol",
    "instrument_segment",
    "expiry_date",
    "strike_price",
    "option_type",
    "isin",
    "status",
    "validity",
    "total_traded_value",
    "order_source",
    "order_type",
}
ORDER_TRADE_KEYS = {
    "client_id",
    "tradeId",
    "orderId",
    "securityId",
    "averagePrice",
    "filledQuantity",
    "fillTimestamp",
    "transactionType",
    "instrumentSegment",
    "expiryDate",
    "strikePrice",
    "optionType",
    "totalTradedValue",
    "orderType",
    "instrumentToken",
    "orderTimestamp",
    "exchangeTimestamp",
}
PROFILE_KEYS = {
    "user_id",
    "user_type",
    "user_name",
    "broker",
    "accountSettlementType",
    "exchanges:NSE",
    "exchanges:BSE",
    "exchanges:MCX",
    "products",
    "order_types",
    "depository_details",
    "bank_details",
}
DEPOSITORY_KEYS = {
    "depository_code",
    "depository_account_number",
    "depository_account_settlement_type",
    "depository",
    "edis_flag",
    "ddpi_flag",
}


def _success(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    return body["data"]


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


# -- the login samples (fact sheet 2b, 2c) ---------------------------------------------------
async def check_token_id(s: Session) -> None:
    reply = await s.call("GET", "/oapi/v1/login")
    token_id = reply.json()["tokenId"]
    assert len(token_id) == 32
    int(token_id, 16)


async def check_browser_login_page(s: Session) -> None:
    reply = await s.client.get("/oapi/v1/login", params=s.key, headers={"Accept": "text/html"})
    assert reply.headers["content-type"].startswith("text/html")
    assert "<form" in reply.text


async def check_validate(s: Session) -> None:
    token_id = (await s.call("GET", "/oapi/v1/login")).json()["tokenId"]
    creds = {"username": s.broker.config.username, "password": s.broker.config.password}
    reply = await s.call(
        "POST", "/oapi/v1/login/validate", params={"token_id": token_id}, body=creds
    )
    body = reply.json()
    assert isinstance(body["recaptcha"], bool)
    assert body["loginId"] == s.broker.config.username
    assert isinstance(body["twofa"]["questions"][0]["question"], str)
    assert body["twoFAEnabled"] is True
    resend = await s.call("GET", "/oapi/v1/twofa/resend", params={"token_id": token_id})
    assert resend.status_code == 200


async def check_twofa_authorise_and_access_token(s: Session) -> None:
    token_id = (await s.call("GET", "/oapi/v1/login")).json()["tokenId"]
    ids = {"token_id": token_id}
    creds = {"username": s.broker.config.username, "password": s.broker.config.password}
    await s.call("POST", "/oapi/v1/login/validate", params=ids, body=creds)
    twofa = (
        await s.call("POST", "/oapi/v1/twofa/validate", params=ids, body={"answer": "123456"})
    ).json()
    assert isinstance(twofa["requestToken"], str)
    assert isinstance(twofa["termsAndConditions"]["version"], int)
    assert {"header", "body"} <= set(twofa["termsAndConditions"]["content"][0])
    assert isinstance(twofa["authorised"], bool)
    consent = ids | {"consent": "True", "request_token": twofa["requestToken"]}
    authorised = (await s.call("GET", "/oapi/v1/authorise", params=consent)).json()
    assert authorised["callbackUrl"] == s.broker.config.redirect_url
    assert authorised["requestToken"] != twofa["requestToken"]  # a new value for step 5
    access = await s.call(
        "POST",
        "/oapi/v1/access-token",
        params={"request_token": authorised["requestToken"]},
        body={"apiSecret": s.broker.config.api_secret},
    )
    claims = _claims(access.json()["accessToken"])
    assert {"sub", "exp", "iat", "merchant", "merchant_api_key"} <= set(claims)


# -- account data (fact sheet 3) -------------------------------------------------------------
async def check_margins(s: Session) -> None:
    equity = _success(await s.call("GET", "/oapi/v1/user/margins"))["equity"]
    assert set(equity) >= FUND_KEYS
    assert set(equity["totalAvailableLimitDetails"]) >= AVAILABLE_DETAIL_KEYS
    assert set(equity["totalUtilizationDetails"]) >= UTILISATION_DETAIL_KEYS
    assert set(equity["totalLimitDetails"]) >= LIMIT_DETAIL_KEYS
    assert equity["total_available_limit"] == 100000.0


async def check_holdings(s: Session) -> None:
    rows = _success(await s.call("GET", "/oapi/v1/portfolio/holdings"))
    assert all(set(row) >= HOLDING_KEYS for row in rows)
    assert any(row["security_id"] == "" and row["isin"].startswith("INF") for row in rows)


async def check_positions(s: Session) -> None:
    assert (await s.settled(await s.place(OPTION_ORDER)))["status"] == "Traded"
    net = _success(await s.call("GET", "/oapi/v1/portfolio/cumulative-positions"))["net"]
    (row,) = net
    assert set(row) >= POSITION_KEYS
    assert (row["net_qty"], row["option_type"], row["product"]) == (50, "Call", "OVERNIGHT")
    # The docs' curl path 404s at the gateway (OpenAlgo's probing), with an HTML page.
    gone = await s.call("GET", "/oapi/v1/portfolio/overall_positions")
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("text/html")


async def check_order_book_and_single_order(s: Session) -> None:
    order_id = await s.place(EQUITY_ORDER)
    rows = _success(await s.call("GET", "/oapi/v1/orders"))
    (row,) = rows
    assert set(row) >= ORDER_KEYS
    assert (row["order_id"], row["transaction_type"], row["product"]) == (
        order_id,
        "Buy",
        "DELIVERY",
    )
    assert "1234567890123" in str(row["external_reference_number"])
    single = _success(await s.call("GET", f"/oapi/v1/orders/{order_id}"))
    assert isinstance(single, list)  # still a list, of one
    assert [r["order_id"] for r in single] == [order_id]


async def check_trades(s: Session) -> None:
    order_id = await s.place(OPTION_ORDER)
    assert (await s.settled(order_id))["status"] == "Traded"
    (trade,) = _success(await s.call("GET", "/oapi/v1/trades"))
    assert set(trade) >= TRADE_KEYS
    assert (trade["order_id"], trade["security_id"]) == (order_id, "NIFTY")  # the underlying
    (camel,) = _success(await s.call("GET", f"/oapi/v1/orders/{order_id}/trades"))
    assert set(camel) >= ORDER_TRADE_KEYS
    assert (camel["orderId"], camel["validity"]) == (order_id, "1")
    assert (camel["instrumentToken"], camel["orderTimestamp"]) == (None, None)


async def _profile(s: Session, method: str) -> None:
    (row,) = _success(await s.call(method, "/oapi/v3/user/profile"))
    assert set(row) >= PROFILE_KEYS
    assert row["broker"] == "HDFC Securities InvestRight"
    assert set(row["depository_details"][0]) >= DEPOSITORY_KEYS
    assert "bank_power_of_attorney_flag" in row["bank_details"]


async def check_profile_get(s: Session) -> None:
    await _profile(s, "GET")


async def check_profile_post(s: Session) -> None:
    await _profile(s, "POST")


# -- orders (fact sheet 4) -------------------------------------------------------------------
async def check_place_equity(s: Session) -> None:
    reply = await s.call("POST", "/oapi/v1/orders/regular", body=EQUITY_ORDER)
    assert reply.json() == {
        "status": "success",
        "data": {"order_id": reply.json()["data"]["order_id"]},
    }
    assert reply.json()["data"]["order_id"].isdigit()


async def check_place_option(s: Session) -> None:
    order_id = await s.place(OPTION_ORDER)
    (row,) = _success(await s.call("GET", f"/oapi/v1/orders/{order_id}"))
    assert (row["instrument_segment"], row["option_type"], row["strike_price"]) == (
        "OPTIDX",
        "Call",
        21500.0,
    )
    assert row["expiry_date"] == "31 JAN 2030"


async def check_modify_with_all_eight_fields(s: Session) -> None:
    order_id = await s.place(EQUITY_ORDER | {"price": 700.0})
    body = {
        "quantity": 2,
        "order_type": "LIMIT",
        "validity": "DAY",
        "disclosed_quantity": 0,
        "product": "DELIVERY",
        "price": 705.0,
        "trigger_price": 0,
        "amo": False,
    }
    reply = await s.call("PUT", f"/oapi/v1/orders/regular/{order_id}", body=body)
    assert reply.json() == {"status": "success", "data": {"order_id": order_id}}
    (row,) = _success(await s.call("GET", f"/oapi/v1/orders/{order_id}"))
    assert (row["quantity"], row["price"]) == (2, 705.0)


async def check_cancel(s: Session) -> None:
    order_id = await s.place(EQUITY_ORDER | {"price": 700.0})
    reply = await s.call("DELETE", f"/oapi/v1/orders/regular/{order_id}")
    assert reply.json() == {"status": "success", "data": {"order_id": order_id}}
    (row,) = _success(await s.call("GET", f"/oapi/v1/orders/{order_id}"))
    assert row["status"].upper().startswith("CANCEL")


# -- market data (fact sheet 5) --------------------------------------------------------------
async def check_fetch_ltp(s: Session) -> None:
    body = {"data": [{"exchange": "NSE", "token": "3045"}, {"exchange": "NSE", "token": "999999"}]}
    reply = (await s.call("PUT", "/oapi/v1/fetch-ltp", body=body)).json()
    assert reply["meta"] == {"statusCode": "OK", "statusMsg": "OK"}
    (row,) = reply["data"]  # the unknown token is left out
    assert set(row) == {"prev_close", "ltp", "exchange", "token"}
    assert row["token"] == 3045  # a number, matched on its string form
    too_many = {"data": [{"exchange": "NSE", "token": "3045"}] * 11}
    assert (await s.call("PUT", "/oapi/v1/fetch-ltp", body=too_many)).status_code == 400


async def check_security_master_needs_no_auth(s: Session) -> None:
    reply = await s.client.get("/oapi/v1/security-master")
    assert reply.status_code == 200
    assert reply.headers["content-disposition"] == "attachment; filename=ir-security-master.csv"
    header = reply.text.splitlines()[0]
    assert header == (
        "exchange,security_id,instrument_segment,expiry_date,strike_price,option_type,"
        "lot_size,tick_size,close_price,exch_security_id,symbol_name,underline_symbol,open_price"
    )


# -- headers (fact sheet 2d) -----------------------------------------------------------------
async def check_raw_jwt_and_browser_agent_are_required(s: Session) -> None:
    ok = await s.call("GET", "/oapi/v1/orders")
    assert ok.status_code == 200
    bearer = {"Authorization": f"Bearer {s.access_token}", "User-Agent": UA}
    assert (await s.client.get("/oapi/v1/orders", params=s.key, headers=bearer)).status_code == 401
    robot = {"Authorization": s.access_token, "User-Agent": "python-requests/2.31"}
    assert (await s.client.get("/oapi/v1/orders", params=s.key, headers=robot)).status_code == 403
    no_key = await s.client.get("/oapi/v1/orders", headers=s.authed())
    assert no_key.status_code == 401


@dataclass(frozen=True)
class Sample:
    name: str
    check: Callable[[Session], Awaitable[None]]
    logged_in: bool = True


SAMPLES = [
    Sample("GET login -> tokenId", check_token_id, logged_in=False),
    Sample("GET login (browser) -> login page", check_browser_login_page, logged_in=False),
    Sample("POST login/validate, GET twofa/resend", check_validate, logged_in=False),
    Sample(
        "twofa/validate, authorise, access-token", check_twofa_authorise_and_access_token, False
    ),
    Sample("GET user/margins", check_margins),
    Sample("GET portfolio/holdings", check_holdings),
    Sample("GET portfolio/cumulative-positions", check_positions),
    Sample("GET orders, GET orders/{id}", check_order_book_and_single_order),
    Sample("GET trades, GET orders/{id}/trades", check_trades),
    Sample("GET v3/user/profile", check_profile_get),
    Sample("POST v3/user/profile", check_profile_post),
    Sample("POST orders/regular (equity)", check_place_equity),
    Sample("POST orders/regular (option)", check_place_option),
    Sample("PUT orders/regular/{id}", check_modify_with_all_eight_fields),
    Sample("DELETE orders/regular/{id}", check_cancel),
    Sample("PUT fetch-ltp", check_fetch_ltp),
    Sample("GET security-master", check_security_master_needs_no_auth, logged_in=False),
    Sample("headers: raw JWT, browser UA, api_key", check_raw_jwt_and_browser_agent_are_required),
]


@pytest_asyncio.fixture
async def session() -> AsyncIterator[Session]:
    broker = FakeBroker(FakeConfig())
    transport = httpx.ASGITransport(app=create_app(broker))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        yield Session(client, broker)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
async def test_fact_sheet_sample(session: Session, sample: Sample) -> None:
    if sample.logged_in:
        await session.login()
    await sample.check(session)
