"""Pure mapping tests: master rows, unified symbols both ways, tags, book rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ordo.domain import (
    Exchange,
    InstrumentType,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
    parse_derivative_symbol,
)
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc import mapping
from ordo_adapter_hdfc.fake import master_csv
from ordo_adapter_hdfc.master import HdfcInstrument, InstrumentIndex, parse_master, parse_row

INDEX = InstrumentIndex(parse_master(master_csv()))
RESOLVE = INDEX.by_security_id
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

names = st.from_regex(r"[A-Z][A-Z&\-]{0,9}[A-Z]", fullmatch=True)
expiries = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))
strikes = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(200000), places=2)
rights = st.sampled_from(["CE", "PE"])


def _row(**fields: str) -> dict[str, str]:
    base = dict.fromkeys(
        [
            "exchange",
            "security_id",
            "instrument_segment",
            "expiry_date",
            "strike_price",
            "option_type",
            "lot_size",
            "tick_size",
            "close_price",
            "exch_security_id",
            "symbol_name",
            "underline_symbol",
        ],
        "",
    )
    base.update(fields)
    return base


def _option_row(
    name: str, expiry: date, strike: Decimal, right: str, parent: str = "NSE"
) -> dict[str, str]:
    return _row(
        exchange=parent,
        security_id="70001",
        instrument_segment="OPTSTK",
        expiry_date=expiry.isoformat(),
        strike_price=str(strike),
        option_type=right,
        lot_size="25",
        tick_size="5",
        exch_security_id="70001",
        symbol_name=name,
        underline_symbol=f"{name}EQNR",
    )


@given(names, expiries, strikes, rights)
def test_option_symbol_round_trip(name: str, expiry: date, strike: Decimal, right: str) -> None:
    item = parse_row(_option_row(name, expiry, strike, right))
    assert item is not None
    parsed = parse_derivative_symbol(item.instrument.symbol)
    assert parsed is not None
    assert (parsed.underlying, parsed.expiry, parsed.strike) == (name, expiry, strike.normalize())
    assert parsed.instrument_type.value == right
    assert item.instrument.exchange is Exchange.NFO
    # ...and back to the broker's order fields
    order = OrderRequest(
        exchange=Exchange.NFO,
        symbol=item.instrument.symbol,
        side=Side.BUY,
        quantity=25,
        product=Product.NRML,
    )
    body = mapping.order_to_broker(order, item, order_tag("s", "k", "0"))
    assert body["expiry_date"] == expiry.strftime("%Y%m%d")
    assert body["option_type"] == right
    assert Decimal(str(body["strike_price"])) == strike
    assert body["underlying_symbol"] == f"{name}EQNR"
    assert body["exchange"] == "NSE"


@given(names, expiries, strikes, rights, st.sampled_from(["Call", "CE"]), st.booleans())
def test_book_row_rebuilds_the_unified_symbol(
    name: str, expiry: date, strike: Decimal, right: str, call_word: str, positions_format: bool
) -> None:
    """An order-book row the master does not know maps to the same unified symbol."""
    item = parse_row(_option_row(name, expiry, strike, right))
    assert item is not None
    word = call_word if right == "CE" else call_word.replace("Call", "Put").replace("CE", "PE")
    shown = (
        f"{expiry.day:02d}-{_MONTHS[expiry.month - 1]}-{expiry.year % 100:02d}"
        if positions_format
        else f"{expiry.day:02d} {_MONTHS[expiry.month - 1]} {expiry.year}"
    )
    row = {
        "exchange": "NSE",
        "security_id": "99999999",
        "instrument_segment": "OPTSTK",
        "underlying_symbol": name,
        "expiry_date": shown,
        "strike_price": float(strike),
        "option_type": word,
    }
    assert mapping.symbol_of(row, lambda _e, _s: None) == (Exchange.NFO, item.instrument.symbol)


@given(names, expiries)
def test_future_symbol_round_trip(name: str, expiry: date) -> None:
    item = parse_row(
        _row(
            exchange="BSE",
            security_id="B1",
            instrument_segment="FUTIDX",
            expiry_date=expiry.isoformat(),
            strike_price="-.01",
            option_type="XX",
            lot_size="10",
            tick_size="5",
            exch_security_id="1001",
            symbol_name=name,
        )
    )
    assert item is not None
    assert item.instrument.exchange is Exchange.BFO
    parsed = parse_derivative_symbol(item.instrument.symbol)
    assert parsed is not None
    assert (parsed.underlying, parsed.expiry, parsed.instrument_type) == (
        name,
        expiry,
        InstrumentType.FUTURE,
    )
    assert item.instrument.strike is None


@given(st.text(alphabet="0123456789ABCDEF", min_size=15, max_size=15))
def test_tag_round_trip(hex_digits: str) -> None:
    tag = "O" + hex_digits
    reference = mapping.tag_to_reference(tag)
    assert reference.isdigit()
    assert len(reference) <= 20
    assert mapping.tag_from_reference(reference) == tag
    assert mapping.reference_matches(reference, tag)
    assert mapping.reference_matches("0" + reference, tag)
    assert mapping.reference_matches("STAPI" + reference, tag)
    other = "O" + format((int(hex_digits, 16) + 1) % 16**15, "015X")
    assert not mapping.reference_matches(reference, other)


def test_tag_reference_rejects_garbage() -> None:
    assert mapping.tag_from_reference("") is None
    assert mapping.tag_from_reference("STAPI-x") is None
    assert not mapping.reference_matches("", order_tag("a", "b", "c"))
    with pytest.raises(ValueError, match="tag"):
        mapping.tag_to_reference("not-a-tag")


def test_master_parsing_of_the_fake_file() -> None:
    sbin = INDEX.by_ref(SymbolRef.parse("NSE:SBIN"))
    assert sbin is not None
    assert (sbin.security_id, sbin.exch_security_id) == ("SBIINDEQNR", "3045")
    assert sbin.instrument.tick_size == Decimal("0.05")  # "5" is paise
    nifty = INDEX.by_ref(SymbolRef.parse("NSE_INDEX:NIFTY"))
    assert nifty is not None
    assert not nifty.instrument.tradable
    assert nifty.ltp_exchange == "NSE_INDEX"
    assert INDEX.by_ref(SymbolRef.parse("BSE_INDEX:SENSEX")) is not None
    usd = INDEX.by_ref(SymbolRef.parse("CDS:USDINR29JAN30FUT"))
    assert usd is not None
    assert usd.instrument.tick_size == Decimal("0.0025")
    crude = INDEX.by_ref(SymbolRef.parse("MCX:CRUDEOIL19FEB30FUT"))
    assert crude is not None
    assert crude.instrument.tick_size == Decimal(1)
    sensex = INDEX.by_ref(SymbolRef.parse("BFO:SENSEX01FEB3073000CE"))
    assert sensex is not None
    assert sensex.security_id == "B826625"
    # dummy tokens, blank names and underlying-only rows are dropped
    assert len(INDEX) == 17
    assert INDEX.search("UTI", 5) == []


def test_name_clash_prefers_the_regular_equity_series() -> None:
    sbin = INDEX.by_ref(SymbolRef.parse("NSE:SBIN"))
    assert sbin is not None
    assert sbin.security_id == "SBIINDEQNR"
    bond = RESOLVE("NSE", "SBIINDN1")
    assert bond is not None
    assert bond.instrument.tick_size == Decimal("0.01")


def test_tick_unit_setting() -> None:
    row = _row(
        exchange="NSE",
        security_id="X",
        instrument_segment="EQUITY",
        lot_size="1",
        tick_size="5",
        exch_security_id="5",
        symbol_name="X",
    )
    as_rupees = parse_row(row, "rupees")
    assert as_rupees is not None
    assert as_rupees.instrument.tick_size == Decimal(5)


def _book_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order_id": "24043000401982",
        "status": "Traded",
        "status_message": "",
        "order_timestamp": "30/04/2024 12:40:12",
        "exchange": "NSE",
        "security_id": "68180",
        "tradingsymbol": "68180",
        "underlying_symbol": "NIFTY",
        "instrument_segment": "OPTIDX",
        "expiry_date": "31 JAN 2030",
        "strike_price": 21500.0,
        "option_type": "Call",
        "transaction_type": "Buy",
        "validity": "DAY",
        "product": "OVERNIGHT",
        "order_type": "LIMIT",
        "quantity": 50,
        "disclosed_quantity": 0,
        "filled_quantity": 50,
        "price": 310.5,
        "trigger_price": 0.0,
        "average_price": 0.0,
        "external_reference_number": "STAPI2024",
    }
    row.update(overrides)
    return row


def test_order_row_maps_every_field() -> None:
    order = mapping.order_from_broker(_book_row(), RESOLVE)
    assert (order.exchange, order.symbol) == (Exchange.NFO, "NIFTY31JAN3021500CE")
    assert order.side is Side.BUY
    assert order.product is Product.NRML
    assert order.order_type is OrderType.LIMIT
    assert order.status is OrderStatus.FILLED
    assert order.price == Decimal("310.5")
    assert order.trigger_price is None
    assert order.average_price is None  # the sample's 0.0 means "not reported"
    assert order.placed_at is not None
    assert order.placed_at.hour == 12
    assert order.tag == "O" + format(2024, "015X")  # "STAPI2024": digits after a prefix


def test_rejected_row_carries_the_message() -> None:
    order = mapping.order_from_broker(
        _book_row(
            status="Rejected",
            status_message="",
            status_message_raw="RMS:Blocked",
            filled_quantity=0,
        ),
        RESOLVE,
    )
    assert order.status is OrderStatus.REJECTED
    assert order.status_message == "RMS:Blocked"


def test_trade_rows_in_both_casings() -> None:
    snake = {
        "trade_id": "T1",
        "order_id": "1",
        "exchange": "NSE",
        "product": "OVERNIGHT",
        "average_price": 312.0,
        "filled_quantity": 50,
        "transaction_type": "SELL",
        "fill_timestamp": "30/04/2024 14:27:49",
        "security_id": "NIFTY",
        "instrument_segment": "OPTIDX",
        "expiry_date": "31 JAN 2030",
        "strike_price": 21500.0,
        "option_type": "Call",
    }
    camel = {
        "tradeId": "T1",
        "orderId": "1",
        "exchange": "NSE",
        "product": "OVERNIGHT",
        "averagePrice": 312.0,
        "filledQuantity": 50,
        "transactionType": "SELL",
        "fillTimestamp": "30/04/2024 14:27:49",
        "securityId": "NIFTY",
        "instrumentSegment": "OPTIDX",
        "expiryDate": "31 JAN 2030",
        "strikePrice": 21500.0,
        "optionType": "Call",
        "validity": "1",
    }
    a, b = (mapping.trade_from_broker(r, RESOLVE) for r in (snake, camel))
    assert a == b
    # security_id holds the underlying's name: it must not resolve to the index
    assert (a.exchange, a.symbol) == (Exchange.NFO, "NIFTY31JAN3021500CE")
    assert a.side is Side.SELL
    assert a.price == Decimal(312)
    assert a.quantity == 50


def test_position_row() -> None:
    row = {
        "security_id": "49599",
        "instrument_segment": "FUTIDX",
        "product": "OVERNIGHT",
        "exchange": "NSE",
        "expiry_date": "31-JAN-30",
        "total_buy_quantity": 30,
        "total_sell_qty": 15,
        "net_qty": 15,
        "average_buy_price": 48000.0,
        "average_sell_price": 48100.0,
        "realised_pl_overall_position": 1500.0,
    }
    position = mapping.position_from_broker(row, RESOLVE)
    assert (position.exchange, position.symbol) == (Exchange.NFO, "BANKNIFTY31JAN30FUT")
    assert (position.quantity, position.buy_quantity, position.sell_quantity) == (15, 30, 15)
    assert position.average_price == Decimal(48000)
    assert position.realised_pnl == Decimal(1500)
    assert mapping.position_rows({"data": {"net": [row]}}) == [row]
    assert mapping.position_rows({"data": [row]}) == [row]


def test_funds_and_envelopes() -> None:
    body = {
        "status": "success",
        "data": {
            "equity": {
                "total_available_limit": 900.5,
                "total_utilised_limit": 99.5,
                "total_limit": 1000,
                "totalLimitDetails": {"pledge_limit": 10},
            }
        },
    }
    funds = mapping.funds_from_broker(body)
    assert (funds.available, funds.used, funds.total, funds.collateral) == (
        Decimal("900.5"),
        Decimal("99.5"),
        Decimal(1000),
        Decimal(10),
    )
    assert mapping.rows({"data": {"order_id": "1"}}) == [{"order_id": "1"}]
    assert mapping.order_id_from_reply({"status": "success", "data": {"order_id": "7"}}) == "7"
    assert mapping.order_id_from_reply({"status": "success", "data": [{"order_id": "8"}]}) == "8"
    assert mapping.order_id_from_reply({"status": "success"}) is None
    assert mapping.login_field({"data": {"access_token": "t"}}, "accessToken") == "t"


def test_holding_of_a_fund_uses_the_isin() -> None:
    holding = mapping.holding_from_broker(
        {
            "security_id": "",
            "exchange": "NSE",
            "isin": "INF209K01YY7",
            "quantity": 25,
            "average_price": 41.2,
            "close_price": 44.8,
        },
        RESOLVE,
    )
    assert holding.symbol == "INF209K01YY7"
    assert holding.pnl == Decimal("90.0")


def _item(symbol: str) -> HdfcInstrument:
    found = INDEX.by_ref(SymbolRef.parse(symbol))
    assert found is not None
    return found


def test_cash_order_body() -> None:
    order = OrderRequest(
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.SELL,
        quantity=3,
        order_type=OrderType.SL_M,
        trigger_price=Decimal("800.05"),
        amo=True,
    )
    body = mapping.order_to_broker(order, _item("NSE:SBIN"), order_tag("a", "b", "c"))
    assert body == {
        "exchange": "NSE",
        "security_id": "SBIINDEQNR",
        "instrument_segment": "EQUITY",
        "transaction_type": "SELL",
        "product": "DELIVERY",
        "order_type": "SL-M",
        "quantity": 3,
        "price": 0.0,
        "trigger_price": 800.05,
        "disclosed_quantity": 0,
        "validity": "DAY",
        "amo": True,
        "external_reference_number": int(mapping.tag_to_reference(order_tag("a", "b", "c"))),
    }


def test_modification_copies_every_mutable_field() -> None:
    current = _book_row(
        status="Open",
        order_type="SL",
        price=300.0,
        trigger_price=299.0,
        disclosed_quantity=10,
        order_slot="AMO",
        validity="IOC",
    )
    body = mapping.modification_to_broker(current, OrderModification(quantity=100))
    assert body == {
        "quantity": 100,
        "order_type": "SL",
        "validity": "IOC",
        "disclosed_quantity": 10,
        "product": "OVERNIGHT",
        "price": 300.0,
        "trigger_price": 299.0,
        "amo": True,
    }
    to_market = mapping.modification_to_broker(
        current, OrderModification(order_type=OrderType.MARKET)
    )
    assert (to_market["price"], to_market["trigger_price"]) == (0.0, 0.0)
    with pytest.raises(ValueError, match="trigger"):
        mapping.modification_to_broker(
            _book_row(order_type="LIMIT"), OrderModification(order_type=OrderType.SL_M)
        )


def test_ltp_request_uses_exchange_tokens() -> None:
    body = mapping.ltp_request([_item("NSE:SBIN"), _item("NSE_INDEX:NIFTY")])
    assert body == {
        "data": [{"exchange": "NSE", "token": "3045"}, {"exchange": "NSE_INDEX", "token": "26000"}]
    }
    assert mapping.ltp_key("nse", 3045) == ("NSE", "3045")
    assert mapping.ltp_key("NSE", 3045.0) == ("NSE", "3045")
