"""Pure m.Stock Type A JSON -> domain mapping, with the fact sheet's quirks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from ordo.adapters.clock import IST
from ordo.domain import (
    Exchange,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
    Validity,
)
from ordo_adapter_mirae import forms, mapping, values
from ordo_adapter_mirae.login import login_flag, session_expiry, session_from_data


def resolve(exchange: str, tradingsymbol: str) -> SymbolRef | None:
    known = {("NSE", "SBIN-EQ"): "NSE:SBIN", ("NFO", "NIFTY30DECFUT"): "NFO:NIFTY26DEC30FUT"}
    text = known.get((exchange, tradingsymbol))
    return SymbolRef.parse(text) if text else None


def by_token(token: str) -> SymbolRef | None:
    return SymbolRef.parse("NSE:SBIN") if token == "3045" else None


# -- timestamps ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30-09-2024 15:45:46", datetime(2024, 9, 30, 15, 45, 46, tzinfo=IST)),
        ("2025-02-06 05:19:05", datetime(2025, 2, 6, 5, 19, 5, tzinfo=IST)),
        ("23-01-2025 02:55:55 PM", datetime(2025, 1, 23, 14, 55, 55, tzinfo=IST)),
        ("2024-Nov-06 12:42:18", datetime(2024, 11, 6, 12, 42, 18, tzinfo=IST)),
        ("None", None),
        ("garbage", None),
    ],
)
def test_parse_timestamp(text: str, expected: datetime | None) -> None:
    assert values.parse_timestamp(text) == expected


# -- funds -----------------------------------------------------------------------------------
def test_funds_from_summary_normalises_string_fields() -> None:
    data = [
        {
            "AVAILABLE_BALANCE": "98,500.25",
            "AMOUNT_UTILIZED": "1500.75",
            "COLLATERALS": "None",
            "SEG": "A",
            "LIMIT_TYPE": "CAPITAL",
            "MF_COLLATERAL": None,
            "SUM_OF_ALL": "100001.00",
        }
    ]
    funds = mapping.funds_from_broker(data)
    assert funds.available == Decimal("98500.25")
    assert funds.used == Decimal("1500.75")
    assert funds.total == Decimal("100001.00")
    assert funds.collateral == Decimal(0)


def test_fund_numbers_keeps_only_numbers_upper_case() -> None:
    numbers = mapping.fund_numbers({"available_balance": "10", "SEG": "A", "PEAK_MARGIN": None})
    assert numbers == {"AVAILABLE_BALANCE": Decimal(10)}


def test_funds_prefers_the_all_segment_row() -> None:
    rows = [{"SEG": "E", "AVAILABLE_BALANCE": "1"}, {"SEG": "A", "AVAILABLE_BALANCE": "9"}]
    assert mapping.funds_from_broker(rows).available == Decimal(9)


@pytest.mark.parametrize("data", [[], None, "None"])
def test_funds_without_rows_is_a_mapping_error(data: Any) -> None:
    with pytest.raises(mapping.MappingError):
        mapping.funds_from_broker(data)


# -- portfolio -------------------------------------------------------------------------------
def test_holding_maps_by_token_not_by_company_name() -> None:
    row = {
        "tradingsymbol": "STATE BANK OF INDIA",
        "exchange": None,
        "instrument_token": 3045,
        "isin": "INE062A01020",
        "quantity": 10,
        "t1_quantity": 2,
        "average_price": 650.5,
        "last_price": "800",
        "pnl": 1497.0,
    }
    [holding] = mapping.holdings_from_data([row], by_token)
    assert (holding.exchange, holding.symbol) == (Exchange.NSE, "SBIN")
    assert (holding.quantity, holding.t1_quantity) == (10, 2)
    assert holding.average_price == Decimal("650.5")
    assert holding.isin == "INE062A01020"


def test_holding_of_unknown_token_keeps_broker_name_and_defaults_to_nse() -> None:
    row = {
        "tradingsymbol": "SOME CO",
        "exchange": None,
        "instrument_token": 1,
        "quantity": "3",
        "average_price": "10",
    }
    [holding] = mapping.holdings_from_data([row], by_token)
    assert (holding.exchange, holding.symbol, holding.quantity) == (Exchange.NSE, "SOME CO", 3)


@pytest.mark.parametrize("data", [None, "None", []])
def test_empty_collections(data: Any) -> None:
    assert mapping.holdings_from_data(data, by_token) == []
    assert mapping.orders_from_data(data, resolve) == []
    assert mapping.trades_from_data(data, resolve) == []


def test_positions_take_the_net_list() -> None:
    data = {
        "net": [
            {
                "tradingsymbol": "NIFTY30DECFUT",
                "exchange": "NFO",
                "product": "",
                "quantity": -75,
                "average_price": 21550.5,
                "last_price": 21500,
                "buy_quantity": 0,
                "sell_quantity": 75,
                "buy_price": 0,
                "sell_price": 21550.5,
                "realised": 0,
                "unrealised": "3787.5",
            },
            {
                "tradingsymbol": "SBIN-EQ",
                "exchange": "NSE",
                "product": "INTRADAY",
                "quantity": 5,
                "average_price": 800,
                "buy_quantity": 5,
                "buy_price": 800,
            },
            {"tradingsymbol": "X", "exchange": "NCDEX", "quantity": 1},
        ],
        "day": None,
    }
    future, equity = mapping.positions_from_data(data, resolve)
    assert (future.symbol, future.product, future.quantity) == (
        "NIFTY26DEC30FUT",
        Product.NRML,
        -75,
    )
    assert future.buy_average is None
    assert future.sell_average == Decimal("21550.5")
    assert future.unrealised_pnl == Decimal("3787.5")
    assert (equity.symbol, equity.product, equity.quantity) == ("SBIN", Product.MIS, 5)


# -- orders ----------------------------------------------------------------------------------
def order_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order_id": "1131241001100",
        "status": "Pending",
        "status_message": None,
        "order_timestamp": "30-09-2024 15:45:46",
        "exchange_update_timestamp": None,
        "exchange": "NSE",
        "tradingsymbol": "SBIN-EQ",
        "order_type": "LIMIT",
        "transaction_type": "BUY",
        "validity": "DAY",
        "product": "CNC",
        "quantity": 10,
        "disclosed_quantity": 0,
        "price": 700.0,
        "trigger_price": 0,
        "average_price": 0,
        "filled_quantity": 0,
        "tag": "O0123456789ABCDE",
        "modified": "false",
    }
    row.update(changes)
    return row


def test_order_row_maps_every_field() -> None:
    [order] = mapping.orders_from_data([order_row()], resolve)
    assert order.order_id == "1131241001100"
    assert (order.exchange, order.symbol, order.side) == (Exchange.NSE, "SBIN", Side.BUY)
    assert (order.order_type, order.product, order.validity) == (
        OrderType.LIMIT,
        Product.CNC,
        Validity.DAY,
    )
    assert order.price == Decimal(700)
    assert order.trigger_price is None
    assert order.status is OrderStatus.OPEN
    assert order.tag == "O0123456789ABCDE"
    assert order.placed_at == datetime(2024, 9, 30, 15, 45, 46, tzinfo=IST)


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("Transit", 0, OrderStatus.PENDING),
        ("O-Pending", 0, OrderStatus.PENDING),
        ("Pending", 0, OrderStatus.OPEN),
        ("open", 0, OrderStatus.OPEN),
        ("Pending", 4, OrderStatus.PARTIALLY_FILLED),
        ("O-Modified", 0, OrderStatus.OPEN),
        ("Triggered", 0, OrderStatus.OPEN),
        ("trigger pending", 0, OrderStatus.TRIGGER_PENDING),
        ("Traded", 10, OrderStatus.FILLED),
        ("TRADE CONFIRMED", 10, OrderStatus.FILLED),
        ("Traded", 3, OrderStatus.PARTIALLY_FILLED),
        ("Rejected", 0, OrderStatus.REJECTED),
        ("Cancelled", 2, OrderStatus.CANCELLED),
        ("O-Cancelled", 0, OrderStatus.CANCELLED),
        ("Expired", 0, OrderStatus.EXPIRED),
        ("Something New", 0, OrderStatus.OPEN),
    ],
)
def test_order_status_normalisation(status: str, filled: int, expected: OrderStatus) -> None:
    assert mapping.order_status(status, filled, 10) is expected


@pytest.mark.parametrize(
    ("raw", "expected"), [([], None), ("None", None), (None, None), (["O1"], "O1"), ("O2", "O2")]
)
def test_tag_shapes(raw: Any, expected: str | None) -> None:
    assert mapping.tag_of(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SL", OrderType.SL),
        ("SL-M", OrderType.SL_M),
        ("STOP_LOSS", OrderType.SL),
        ("STOP_LOSS_MARKET", OrderType.SL_M),
        ("MARKET", OrderType.MARKET),
    ],
)
def test_order_type_spellings(raw: str, expected: OrderType) -> None:
    [order] = mapping.orders_from_data([order_row(order_type=raw)], resolve)
    assert order.order_type is expected


def test_rows_on_unknown_exchanges_are_skipped() -> None:
    rows = [order_row(exchange="NCDEX"), order_row(order_id="2")]
    assert [o.order_id for o in mapping.orders_from_data(rows, resolve)] == ["2"]


@pytest.mark.parametrize(
    "row",
    [
        {
            "TRADE_NUMBER": "T1",
            "ORDER_NUMBER": "11",
            "EXCHANGE": "NSE",
            "SYMBOL": "SBIN-EQ",
            "BUY_SELL": "Buy",
            "QUANTITY": 5,
            "PRICE": 801.5,
            "PRODUCT": "CNC",
            "ORDER_DATE_TIME": "10-06-2025 13:08:42",
        },
        {
            "trade_id": "T1",
            "order_id": "11",
            "exchange": "NSE",
            "tradingsymbol": "SBIN-EQ",
            "transaction_type": "BUY",
            "quantity": "5",
            "average_price": "801.5",
            "product": "CNC",
            "fill_timestamp": "10-06-2025 13:08:42",
        },
    ],
)
def test_trades_in_either_key_style(row: dict[str, Any]) -> None:
    [trade] = mapping.trades_from_data([row], resolve)
    assert (trade.trade_id, trade.order_id, trade.symbol, trade.side) == (
        "T1",
        "11",
        "SBIN",
        Side.BUY,
    )
    assert (trade.quantity, trade.price) == (5, Decimal("801.5"))
    assert trade.traded_at == datetime(2025, 6, 10, 13, 8, 42, tzinfo=IST)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"order_id": "1131241001100"}, "1131241001100"),
        ([{"order_id": 42}], "42"),
        ({"orderid": " 1191241106101"}, "1191241106101"),
        ({}, None),
        (None, None),
    ],
)
def test_order_id_from(data: Any, expected: str | None) -> None:
    assert mapping.order_id_from(data) == expected


def test_order_form_sends_strings() -> None:
    order = OrderRequest(
        exchange=Exchange.NFO,
        symbol="NIFTY26DEC30FUT",
        side=Side.SELL,
        quantity=75,
        order_type=OrderType.SL,
        product=Product.NRML,
        price=Decimal("21400.5"),
        trigger_price=Decimal("21410"),
    )
    form = forms.order_form(
        order, tradingsymbol="NIFTY30DECFUT", broker_exchange="NFO", tag="O0123456789ABCDE"
    )
    assert form == {
        "tradingsymbol": "NIFTY30DECFUT",
        "exchange": "NFO",
        "transaction_type": "SELL",
        "order_type": "SL",
        "quantity": "75",
        "product": "NRML",
        "validity": "DAY",
        "price": "21400.5",
        "trigger_price": "21410",
        "disclosed_quantity": "0",
        "tag": "O0123456789ABCDE",
    }


def test_market_order_form_prices_are_zero() -> None:
    order = OrderRequest(exchange=Exchange.NSE, symbol="SBIN", side=Side.BUY, quantity=1)
    form = forms.order_form(order, tradingsymbol="SBIN-EQ", broker_exchange="NSE", tag="O1")
    assert (form["price"], form["trigger_price"], form["order_type"]) == ("0", "0", "MARKET")


def test_modify_form_resends_unchanged_fields() -> None:
    form = forms.modify_form(
        order_row(product="INTRADAY", disclosed_quantity=2),
        OrderModification(price=Decimal("705.5")),
    )
    # Only the modify fields the official SDK sends: never the book's INTRADAY as a product.
    assert form == {
        "order_type": "LIMIT",
        "quantity": "10",
        "price": "705.5",
        "trigger_price": "0",
        "validity": "DAY",
        "disclosed_quantity": "2",
    }


def test_modify_to_market_drops_the_price() -> None:
    form = forms.modify_form(
        order_row(), OrderModification(order_type=OrderType.MARKET, quantity=3)
    )
    assert (form["order_type"], form["price"], form["quantity"]) == ("MARKET", "0", "3")


def test_modify_into_an_invalid_order_is_refused() -> None:
    with pytest.raises(ValueError, match="trigger_price"):
        forms.modify_form(order_row(), OrderModification(order_type=OrderType.SL))


# -- quotes ----------------------------------------------------------------------------------
def test_quote_from_ohlc_entry() -> None:
    ref = SymbolRef.parse("NSE:SBIN")
    entry = {
        "instrument_token": 3045,
        "last_price": 800.5,
        "ohlc": {"open": 795, "high": "805.25", "low": 790, "close": 798},
    }
    quote = mapping.quote_from_broker(ref, entry)
    assert quote is not None
    assert (quote.last_price, quote.open, quote.high, quote.low, quote.close) == (
        Decimal("800.5"),
        Decimal(795),
        Decimal("805.25"),
        Decimal(790),
        Decimal(798),
    )


@pytest.mark.parametrize("entry", [None, "None", {"instrument_token": 1}])
def test_quote_from_empty_entry(entry: Any) -> None:
    assert mapping.quote_from_broker(SymbolRef.parse("NSE:SBIN"), entry) is None


def test_keys_missing() -> None:
    entries: dict[str, dict[str, Any] | None] = {
        "NSE:A": {"last_price": 1},
        "NSE:B": None,
        "NSE:C": {"ohlc": {}},
    }
    assert mapping.keys_missing(entries, ["NSE:A", "NSE:B", "NSE:C", "NSE:D"]) == [
        "NSE:B",
        "NSE:C",
        "NSE:D",
    ]


# -- session -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("login", "expected"),
    [
        # 09:00 IST: 12 hours later is 21:00 IST, before midnight
        (datetime(2025, 1, 6, 9, 0, tzinfo=IST), datetime(2025, 1, 6, 21, 0, tzinfo=IST)),
        # 15:30 IST: midnight comes first
        (datetime(2025, 1, 6, 15, 30, tzinfo=IST), datetime(2025, 1, 7, 0, 0, tzinfo=IST)),
        # 00:30 IST: a new day's 12 hours
        (datetime(2025, 1, 7, 0, 30, tzinfo=IST), datetime(2025, 1, 7, 12, 30, tzinfo=IST)),
    ],
)
def test_session_expiry(login: datetime, expected: datetime) -> None:
    assert session_expiry(login) == expected


def test_session_from_data_keeps_token_secret() -> None:
    login = datetime(2025, 1, 6, 9, 0, tzinfo=IST)
    data = {
        "access_token": "eyJ.secret.token",
        "user_id": "MA0001",
        "user_name": "Demo",
        "refresh_token": "",
    }
    session = session_from_data(data, logged_in_at=login, hours=12, extra={"login": "otp"})
    assert session.access_token.get_secret_value() == "eyJ.secret.token"
    assert "eyJ" not in repr(session)
    assert session.refresh_token is None
    assert session.extra == {"user_name": "Demo", "login": "otp", "user_id": "MA0001"}
    assert session.expires_at == datetime(2025, 1, 6, 21, 0, tzinfo=IST)


@pytest.mark.parametrize("data", [{}, {"access_token": ""}, None, "None"])
def test_session_without_token_is_a_mapping_error(data: Any) -> None:
    with pytest.raises(mapping.MappingError):
        session_from_data(data, logged_in_at=datetime.now(IST), hours=12, extra={})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("true", True), (False, False), ("false", False), (None, False)],
)
def test_login_flags(value: Any, expected: bool) -> None:
    assert login_flag(value) is expected
