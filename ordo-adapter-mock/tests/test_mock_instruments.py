"""The seeded instrument master."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

import pytest
from ordo.domain import Exchange, InstrumentType, parse_derivative_symbol
from ordo_adapter_mock.instruments import (
    SUSPENDED_SYMBOL,
    last_weekday_of_month,
    monthly_expiries,
    round_to_tick,
    seeded_listings,
)

AS_OF = date(2025, 1, 15)


def test_master_size_and_unique_symbols() -> None:
    listings = seeded_listings(AS_OF)
    assert 30 <= len(listings) <= 40
    refs = [str(item.instrument.ref) for item in listings]
    assert len(set(refs)) == len(refs)
    tokens = [item.instrument.broker_token for item in listings]
    assert len(set(tokens)) == len(tokens)


def test_exactly_one_equity_is_not_tradable() -> None:
    equities = [
        i.instrument
        for i in seeded_listings(AS_OF)
        if i.instrument.instrument_type is InstrumentType.EQUITY
    ]
    untradable = [i for i in equities if not i.tradable]
    assert [i.symbol for i in untradable] == [SUSPENDED_SYMBOL]
    assert {i.exchange for i in equities} == {Exchange.NSE, Exchange.BSE}


def test_indices_are_quote_only() -> None:
    indices = [
        i.instrument
        for i in seeded_listings(AS_OF)
        if i.instrument.exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX)
    ]
    assert {i.symbol for i in indices} == {"NIFTY", "BANKNIFTY", "SENSEX"}
    assert all(i.instrument_type is InstrumentType.INDEX and not i.tradable for i in indices)


def test_derivatives_use_unified_symbols_and_lot_sizes() -> None:
    derivatives = [i.instrument for i in seeded_listings(AS_OF) if i.instrument.expiry]
    assert len(derivatives) == 15
    lots = {"NIFTY": 75, "BANKNIFTY": 30, "SBIN": 750, "RELIANCE": 500}
    for instrument in derivatives:
        parsed = parse_derivative_symbol(instrument.symbol)
        assert parsed is not None
        assert instrument.exchange is Exchange.NFO
        assert parsed.underlying == instrument.underlying
        assert parsed.expiry == instrument.expiry
        assert parsed.instrument_type is instrument.instrument_type
        assert parsed.strike == instrument.strike
        assert instrument.lot_size == lots[parsed.underlying]
        assert instrument.tick_size == Decimal("0.05")
    symbols = {i.symbol for i in derivatives}
    assert "NIFTY28JAN25FUT" in symbols
    assert "NIFTY25FEB25FUT" in symbols
    assert "NIFTY28JAN2523500CE" in symbols
    assert "BANKNIFTY28JAN2551000PE" in symbols


def test_expiries_are_last_tuesdays_on_or_after_as_of() -> None:
    assert last_weekday_of_month(2025, 1) == date(2025, 1, 28)
    assert last_weekday_of_month(2025, 1, calendar.THURSDAY) == date(2025, 1, 30)
    assert monthly_expiries(date(2025, 1, 28)) == [date(2025, 1, 28), date(2025, 2, 25)]
    assert monthly_expiries(date(2025, 1, 29)) == [date(2025, 2, 25), date(2025, 3, 25)]
    assert monthly_expiries(date(2025, 12, 31)) == [date(2026, 1, 27), date(2026, 2, 24)]


def test_master_never_goes_stale() -> None:
    later = date(2031, 7, 1)
    expiries = {i.instrument.expiry for i in seeded_listings(later) if i.instrument.expiry}
    assert expiries
    assert min(e for e in expiries if e) >= later


def test_option_prices_are_ordered_by_moneyness() -> None:
    prices = {i.instrument.symbol: i.reference_price for i in seeded_listings(AS_OF)}
    assert prices["NIFTY28JAN2523000CE"] > prices["NIFTY28JAN2523500CE"]
    assert prices["NIFTY28JAN2524000PE"] > prices["NIFTY28JAN2523500PE"]
    assert all(p > 0 for p in prices.values())


@pytest.mark.parametrize(
    ("price", "expected"),
    [("100.02", "100.00"), ("100.03", "100.05"), ("0.01", "0.05"), ("800", "800.00")],
)
def test_round_to_tick(price: str, expected: str) -> None:
    assert round_to_tick(Decimal(price)) == Decimal(expected)
