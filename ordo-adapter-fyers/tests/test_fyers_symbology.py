"""Unified symbols <-> Fyers tickers: examples from the fact sheet and hypothesis round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ordo.domain import Exchange, InstrumentType, SymbolRef, derivative_symbol
from ordo.domain.exchange_symbols import parse_exchange_derivative
from ordo_adapter_fyers.symbology import (
    from_fyers_ticker,
    fyers_derivative_name,
    strip_series,
    to_fyers_ticker,
    unified_exchange,
)


@pytest.mark.parametrize(
    ("unified", "monthly", "ticker"),
    [
        ("NSE:SBIN", True, "NSE:SBIN-EQ"),
        ("BSE:SBIN", True, "BSE:SBIN-A"),
        ("NSE:M&M", True, "NSE:M&M-EQ"),
        ("NSE_INDEX:NIFTY", True, "NSE:NIFTY50-INDEX"),
        ("NFO:NIFTY30JAN25FUT", True, "NSE:NIFTY25JANFUT"),
        ("NFO:NIFTY30JAN2521500CE", True, "NSE:NIFTY25JAN21500CE"),
        ("NFO:NIFTY23JAN2521500CE", False, "NSE:NIFTY2512321500CE"),
        ("NFO:NIFTY07OCT2525000PE", False, "NSE:NIFTY25O0725000PE"),
        ("NFO:NIFTY04DEC2524000CE", False, "NSE:NIFTY25D0424000CE"),
        ("MCX:CRUDEOIL20OCT20FUT", True, "MCX:CRUDEOIL20OCTFUT"),
        ("BFO:SENSEX30JAN2580000CE", True, "BSE:SENSEX25JAN80000CE"),
    ],
)
def test_unified_to_fyers_ticker(unified: str, monthly: bool, ticker: str) -> None:
    assert to_fyers_ticker(SymbolRef.parse(unified), monthly=monthly) == ticker


@pytest.mark.parametrize(
    ("ticker", "expiry", "unified"),
    [
        ("NSE:SBIN-EQ", None, "NSE:SBIN"),
        ("NSE:BAJAJ-AUTO-EQ", None, "NSE:BAJAJ-AUTO"),
        ("BSE:RELIANCE-A", None, "BSE:RELIANCE"),
        ("NSE:NIFTYBANK-INDEX", None, "NSE_INDEX:BANKNIFTY"),
        ("NSE:NIFTY25JANFUT", date(2025, 1, 30), "NFO:NIFTY30JAN25FUT"),
        ("NSE:NIFTY2512321500CE", None, "NFO:NIFTY23JAN2521500CE"),
        ("NSE:NIFTY25JAN21500PE", date(2025, 1, 30), "NFO:NIFTY30JAN2521500PE"),
    ],
)
def test_fyers_ticker_to_unified(ticker: str, expiry: date | None, unified: str) -> None:
    assert str(from_fyers_ticker(ticker, expiry=expiry)) == unified


def test_monthly_ticker_needs_the_expiry_day() -> None:
    with pytest.raises(ValueError, match="expiry"):
        from_fyers_ticker("NSE:NIFTY25JANFUT")
    with pytest.raises(ValueError, match="does not match"):
        from_fyers_ticker("NSE:NIFTY25JANFUT", expiry=date(2025, 2, 27))


def test_cds_derivatives_can_be_named() -> None:
    ref = from_fyers_ticker(
        "NSE:USDINR25JANFUT", expiry=date(2025, 1, 29), derivative_exchange=Exchange.CDS
    )
    assert ref == SymbolRef.parse("CDS:USDINR29JAN25FUT")


def test_not_tickers_are_refused() -> None:
    with pytest.raises(ValueError, match="not a Fyers ticker"):
        from_fyers_ticker("SBIN-EQ")
    with pytest.raises(ValueError, match="neither"):
        from_fyers_ticker("XYZ:SBIN-EQ")
    assert parse_exchange_derivative("SBIN-EQ") is None
    with pytest.raises(ValueError, match="monthly"):
        fyers_derivative_name("NIFTY", date(2025, 1, 23), InstrumentType.FUTURE, monthly=False)


def test_segments_and_series() -> None:
    assert unified_exchange(10, 10, index=False) is Exchange.NSE
    assert unified_exchange(10, 10, index=True) is Exchange.NSE_INDEX
    assert unified_exchange(10, 11, index=False) is Exchange.NFO
    assert unified_exchange(10, 12, index=False) is Exchange.CDS
    assert unified_exchange(12, 11, index=False) is Exchange.BFO
    assert unified_exchange(11, 20, index=False) is Exchange.MCX
    assert unified_exchange(10, 20, index=False) is None
    assert strip_series("SBIN") == "SBIN"


underlyings = st.from_regex(r"[A-Z][A-Z&]{0,11}", fullmatch=True)
expiries = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
strikes = st.decimals(min_value=Decimal("0.05"), max_value=Decimal(200000), places=2)
# Derandomized so every run checks the same examples (no flakiness between CI runs).
rights = st.sampled_from([InstrumentType.CALL, InstrumentType.PUT])


@settings(derandomize=True, max_examples=200)
@given(underlyings, expiries, rights, strikes)
def test_weekly_option_round_trip(
    und: str, expiry: date, right: InstrumentType, strike: Decimal
) -> None:
    unified = SymbolRef(exchange=Exchange.NFO, symbol=derivative_symbol(und, expiry, right, strike))
    ticker = to_fyers_ticker(unified, monthly=False)
    assert from_fyers_ticker(ticker) == unified


@settings(derandomize=True, max_examples=200)
@given(underlyings, expiries, rights, strikes, st.sampled_from([Exchange.NFO, Exchange.BFO]))
def test_monthly_option_round_trip(
    und: str, expiry: date, right: InstrumentType, strike: Decimal, exchange: Exchange
) -> None:
    unified = SymbolRef(exchange=exchange, symbol=derivative_symbol(und, expiry, right, strike))
    ticker = to_fyers_ticker(unified, monthly=True)
    parsed = parse_exchange_derivative(ticker.split(":", 1)[1])
    assert parsed is not None
    assert (parsed.year, parsed.month, parsed.day) == (expiry.year, expiry.month, None)
    assert from_fyers_ticker(ticker, expiry=expiry) == unified
    assert parsed.unified(expiry) == unified.symbol


@settings(derandomize=True, max_examples=200)
@given(underlyings, expiries, st.sampled_from([Exchange.NFO, Exchange.BFO, Exchange.MCX]))
def test_future_round_trip(und: str, expiry: date, exchange: Exchange) -> None:
    unified = SymbolRef(
        exchange=exchange, symbol=derivative_symbol(und, expiry, InstrumentType.FUTURE)
    )
    # Futures are always monthly, whatever the caller asks for.
    ticker = to_fyers_ticker(unified, monthly=False)
    assert ticker.endswith("FUT")
    assert from_fyers_ticker(ticker, expiry=expiry) == unified


@settings(derandomize=True, max_examples=200)
@given(st.from_regex(r"[A-Z][A-Z0-9&]{0,10}(-[A-Z]{2,5})?", fullmatch=True), st.booleans())
def test_equity_round_trip(symbol: str, bse: bool) -> None:
    exchange = Exchange.BSE if bse else Exchange.NSE
    unified = SymbolRef(exchange=exchange, symbol=symbol)
    assert from_fyers_ticker(to_fyers_ticker(unified)) == unified


@settings(derandomize=True, max_examples=200)
@given(st.from_regex(r"[A-Z][A-Z0-9]{0,12}", fullmatch=True), st.booleans())
def test_index_round_trip(name: str, bse: bool) -> None:
    unified = SymbolRef(exchange=Exchange.BSE_INDEX if bse else Exchange.NSE_INDEX, symbol=name)
    assert from_fyers_ticker(to_fyers_ticker(unified)) == unified
