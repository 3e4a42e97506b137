"""Unified <-> m.Stock symbols: hypothesis round trips through the broker format and the
scrip master, plus the fixed examples of the fact sheet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ordo.domain import Exchange, InstrumentType, SymbolRef, derivative_symbol
from ordo.domain.exchange_symbols import format_exchange_derivative, parse_exchange_derivative
from ordo.domain.symbols import parse_derivative_symbol
from ordo.safety.tags import order_tag
from ordo_adapter_mirae.instruments import InstrumentIndex, entry_from_row
from ordo_adapter_mirae.mapping import tag_of
from ordo_adapter_mirae.symbols import (
    equity_symbol,
    fallback_symbol,
    index_symbol,
)

underlyings = st.from_regex(r"[A-Z][A-Z&\-]{0,10}[A-Z]", fullmatch=True)
expiries = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))
strikes = st.one_of(
    st.integers(min_value=1, max_value=200_000).map(Decimal),
    st.integers(min_value=1, max_value=20_000).map(lambda n: Decimal(n) + Decimal("0.5")),
)
option_kinds = st.sampled_from([InstrumentType.CALL, InstrumentType.PUT])


@given(underlyings, expiries, option_kinds, strikes, st.booleans())
def test_option_broker_symbol_round_trip(
    underlying: str, expiry: date, kind: InstrumentType, strike: Decimal, weekly: bool
) -> None:
    text = format_exchange_derivative(underlying, expiry, kind, strike, weekly=weekly)
    parsed = parse_exchange_derivative(text)
    assert parsed is not None
    assert (parsed.underlying, parsed.year, parsed.month) == (underlying, expiry.year, expiry.month)
    assert parsed.day == (expiry.day if weekly else None)
    assert parsed.instrument_type is kind
    assert parsed.strike == strike


@given(underlyings, expiries)
def test_future_broker_symbol_round_trip(underlying: str, expiry: date) -> None:
    text = format_exchange_derivative(underlying, expiry, InstrumentType.FUTURE)
    parsed = parse_exchange_derivative(text)
    assert parsed is not None
    assert (parsed.underlying, parsed.year, parsed.month, parsed.day) == (
        underlying,
        expiry.year,
        expiry.month,
        None,
    )
    assert parsed.instrument_type is InstrumentType.FUTURE


def _row(
    tradingsymbol: str,
    name: str,
    expiry: date,
    kind: InstrumentType,
    strike: Decimal | None,
    exchange: str = "NFO",
) -> dict[str, str]:
    return {
        "instrument_token": "4242",
        "exchange_token": "4242",
        "tradingsymbol": tradingsymbol,
        "name": name,
        "last_price": "1",
        "expiry": expiry.isoformat(),
        "strike": str(strike or 0),
        "tick_size": "0.05",
        "lot_size": "50",
        "instrument_type": kind.value,
        "segment": f"{exchange}-OPT",
        "exchange": exchange,
    }


@given(
    underlyings,
    expiries,
    st.sampled_from(list(InstrumentType)[1:4]),
    strikes,
    st.booleans(),
    st.sampled_from(["NFO", "BFO", "MCX", "CDS"]),
)
def test_unified_and_broker_symbols_map_both_ways_through_the_master(
    underlying: str,
    expiry: date,
    kind: InstrumentType,
    strike: Decimal,
    weekly: bool,
    exchange: str,
) -> None:
    option_strike = None if kind is InstrumentType.FUTURE else strike
    broker = format_exchange_derivative(underlying, expiry, kind, option_strike, weekly=weekly)
    entry = entry_from_row(_row(broker, underlying, expiry, kind, option_strike, exchange))
    assert entry is not None
    unified = derivative_symbol(underlying, expiry, kind, option_strike)
    assert entry.instrument.symbol == unified
    assert entry.instrument.exchange is Exchange(exchange)
    back = parse_derivative_symbol(unified)
    assert back is not None
    assert (back.underlying, back.expiry, back.instrument_type, back.strike) == (
        underlying,
        expiry,
        kind,
        option_strike,
    )
    index = InstrumentIndex([entry])
    ref = index.resolve(exchange, broker)
    assert ref == SymbolRef(exchange=Exchange(exchange), symbol=unified)
    found = index.get(ref)
    assert found is not None
    assert found.tradingsymbol == broker


@given(st.from_regex(r"[A-Z][A-Z0-9&]{0,15}", fullmatch=True), st.booleans())
def test_equity_symbols_map_both_ways(base: str, with_series: bool) -> None:
    broker = f"{base}-EQ" if with_series else base
    row = {
        "tradingsymbol": broker,
        "exchange": "NSE",
        "instrument_type": "EQ",
        "segment": "NSE",
        "lot_size": "1",
        "tick_size": "0.05",
        "instrument_token": "1",
    }
    entry = entry_from_row(row)
    assert entry is not None
    assert entry.instrument.ref == SymbolRef(exchange=Exchange.NSE, symbol=base)
    index = InstrumentIndex([entry])
    assert index.resolve("NSE", base) == entry.instrument.ref
    assert index.resolve("NSE", f"{base}-EQ") == entry.instrument.ref
    assert index.get(entry.instrument.ref) is entry


@given(st.text(alphabet="0123456789abcdef", min_size=1, max_size=12), st.integers(0, 9))
def test_tags_are_sent_and_read_back_unchanged(key: str, leg: int) -> None:
    tag = order_tag("scope", key, str(leg))
    assert tag_of(tag) == tag
    assert tag_of([tag]) == tag
    assert len(tag) < 20
    assert tag.isalnum()


@pytest.mark.parametrize(
    ("broker", "underlying", "year", "month", "day", "kind", "strike"),
    [
        ("NIFTY25JANFUT", "NIFTY", 2025, 1, None, InstrumentType.FUTURE, None),
        ("NIFTY25JAN21500CE", "NIFTY", 2025, 1, None, InstrumentType.CALL, Decimal(21500)),
        ("CDSL25JAN2220CE", "CDSL", 2025, 1, None, InstrumentType.CALL, Decimal(2220)),
        ("NIFTY2513021500PE", "NIFTY", 2025, 1, 30, InstrumentType.PUT, Decimal(21500)),
        ("SENSEX25O2382700CE", "SENSEX", 2025, 10, 23, InstrumentType.CALL, Decimal(82700)),
        ("M&M25DEC3000CE", "M&M", 2025, 12, None, InstrumentType.CALL, Decimal(3000)),
        ("USDINR25N2983.5PE", "USDINR", 2025, 11, 29, InstrumentType.PUT, Decimal("83.5")),
    ],
)
def test_known_broker_symbols(
    broker: str,
    underlying: str,
    year: int,
    month: int,
    day: int | None,
    kind: InstrumentType,
    strike: Decimal | None,
) -> None:
    parsed = parse_exchange_derivative(broker)
    assert parsed is not None
    assert (parsed.underlying, parsed.year, parsed.month, parsed.day) == (
        underlying,
        year,
        month,
        day,
    )
    assert (parsed.instrument_type, parsed.strike) == (kind, strike)


@pytest.mark.parametrize("text", ["SBIN", "SBIN-EQ", "NIFTY 50", "", "NIFTY25JAN", "X25ABC1CE"])
def test_non_derivatives_do_not_parse(text: str) -> None:
    assert parse_exchange_derivative(text) is None


def test_equity_and_index_symbols() -> None:
    assert equity_symbol("acc-eq") == "ACC"
    assert equity_symbol("IDEA-BE") == "IDEA-BE"
    assert index_symbol("NIFTY 50") == "NIFTY50"
    assert index_symbol("Nifty Bank") == "NIFTYBANK"
    assert fallback_symbol(Exchange.NSE, "SBIN-EQ") == "SBIN"
    assert fallback_symbol(Exchange.NFO, "nifty25janfut") == "NIFTY25JANFUT"
    assert fallback_symbol(Exchange.NSE_INDEX, "NIFTY 50") == "NIFTY"
