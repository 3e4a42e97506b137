"""The paper broker's seeded instrument master.

About forty instruments: NSE and BSE equities (one suspended, so not tradable), quote-only
indices, and NFO futures and options whose expiries are computed from an ``as_of`` date so
the list never goes stale. Each listing carries a reference price the price feed starts
from.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ordo.domain import Exchange, Instrument, InstrumentType, derivative_symbol

TICK = Decimal("0.05")
MONTHLY_EXPIRY_WEEKDAY = calendar.TUESDAY
"""NSE index and stock derivatives expire on the last Tuesday of the month (since Sep 2025)."""

SUSPENDED_SYMBOL = "DHFL"
"""The one equity whose trading is suspended: listed, quotable, not tradable."""


@dataclass(frozen=True)
class Listing:
    """One instrument of the master and the price its quote starts near."""

    instrument: Instrument
    reference_price: Decimal


# symbol, name, reference price, ISIN
_NSE_EQUITIES: tuple[tuple[str, str, str, str], ...] = (
    ("SBIN", "State Bank of India", "800", "INE062A01020"),
    ("RELIANCE", "Reliance Industries", "1400", "INE002A01018"),
    ("INFY", "Infosys", "1600", "INE009A01021"),
    ("TCS", "Tata Consultancy Services", "3500", "INE467B01029"),
    ("HDFCBANK", "HDFC Bank", "1700", "INE040A01034"),
    ("ICICIBANK", "ICICI Bank", "1300", "INE090A01021"),
    ("ITC", "ITC", "420", "INE154A01025"),
    ("LT", "Larsen & Toubro", "3500", "INE018A01030"),
    ("AXISBANK", "Axis Bank", "1100", "INE238A01034"),
    ("KOTAKBANK", "Kotak Mahindra Bank", "2000", "INE237A01028"),
    ("BHARTIARTL", "Bharti Airtel", "1800", "INE397D01024"),
    ("HINDUNILVR", "Hindustan Unilever", "2400", "INE030A01027"),
    ("MARUTI", "Maruti Suzuki India", "12000", "INE585B01010"),
    ("WIPRO", "Wipro", "260", "INE075A01022"),
    ("M&M", "Mahindra & Mahindra", "3000", "INE101A01026"),
    ("SUZLON", "Suzlon Energy", "60", "INE040H01021"),
)
_BSE_EQUITIES = ("SBIN", "RELIANCE", "INFY", "TCS", "ITC")

# symbol, exchange, name, reference level
_INDICES: tuple[tuple[str, Exchange, str, str], ...] = (
    ("NIFTY", Exchange.NSE_INDEX, "NIFTY 50", "23500"),
    ("BANKNIFTY", Exchange.NSE_INDEX, "NIFTY BANK", "50000"),
    ("SENSEX", Exchange.BSE_INDEX, "S&P BSE SENSEX", "77000"),
)

_LOT_SIZES = {"NIFTY": 75, "BANKNIFTY": 30, "SBIN": 750, "RELIANCE": 500}
_FREEZE_QUANTITIES = {"NIFTY": 1800, "BANKNIFTY": 900, "SBIN": 45000, "RELIANCE": 30000}
"""Exchange freeze quantities (units per order) the paper master carries for derivatives,
as the Fyers master's ``qtyFreeze`` does."""
_OPTION_STRIKES = {
    "NIFTY": ("23000", "23500", "24000"),
    "BANKNIFTY": ("50000", "51000"),
}
_CARRY = {0: Decimal("1.003"), 1: Decimal("1.008")}
"""Futures trade a little above spot: a crude cost of carry for the near and next month."""


def last_weekday_of_month(year: int, month: int, weekday: int = MONTHLY_EXPIRY_WEEKDAY) -> date:
    """The last ``weekday`` (``calendar.MONDAY``...) of ``year``-``month``."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def monthly_expiries(as_of: date, count: int = 2) -> list[date]:
    """The next ``count`` monthly expiries on or after ``as_of``."""
    year, month = as_of.year, as_of.month
    expiries: list[date] = []
    while len(expiries) < count:
        expiry = last_weekday_of_month(year, month)
        if expiry >= as_of:
            expiries.append(expiry)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return expiries


def round_to_tick(price: Decimal, tick: Decimal = TICK) -> Decimal:
    """``price`` rounded to the nearest multiple of ``tick``, never below one tick."""
    steps = (price / tick).quantize(Decimal(1))
    return max(steps, Decimal(1)) * tick


def seeded_listings(as_of: date) -> list[Listing]:
    """The full master for a trading day ``as_of``, in a fixed order."""
    listings: list[Listing] = []
    token = 1000

    def add(instrument: Instrument, price: Decimal) -> None:
        nonlocal token
        token += 1
        listed = instrument.model_copy(update={"broker_token": str(token)})
        listings.append(Listing(listed, round_to_tick(price, instrument.tick_size)))

    for symbol, name, price, isin in _NSE_EQUITIES:
        add(Instrument(exchange=Exchange.NSE, symbol=symbol, name=name, isin=isin), Decimal(price))
    add(
        Instrument(
            exchange=Exchange.NSE,
            symbol=SUSPENDED_SYMBOL,
            name="Dewan Housing Finance (trading suspended)",
            tradable=False,
            isin="INE202B01012",
        ),
        Decimal("20"),
    )
    equities = {symbol: (name, price, isin) for symbol, name, price, isin in _NSE_EQUITIES}
    for symbol in _BSE_EQUITIES:
        name, price, isin = equities[symbol]
        add(Instrument(exchange=Exchange.BSE, symbol=symbol, name=name, isin=isin), Decimal(price))

    spot: dict[str, Decimal] = {symbol: Decimal(price) for symbol, _, price, _ in _NSE_EQUITIES}
    for symbol, exchange, name, level in _INDICES:
        spot[symbol] = Decimal(level)
        index = Instrument(
            exchange=exchange,
            symbol=symbol,
            name=name,
            instrument_type=InstrumentType.INDEX,
            tradable=False,
        )
        add(index, Decimal(level))

    expiries = monthly_expiries(as_of)
    for underlying, months in (("NIFTY", 2), ("BANKNIFTY", 1), ("SBIN", 1), ("RELIANCE", 1)):
        for month in range(months):
            expiry = expiries[month]
            future = Instrument(
                exchange=Exchange.NFO,
                symbol=derivative_symbol(underlying, expiry, InstrumentType.FUTURE),
                name=f"{underlying} {expiry:%d %b %Y} future",
                instrument_type=InstrumentType.FUTURE,
                lot_size=_LOT_SIZES[underlying],
                expiry=expiry,
                underlying=underlying,
                freeze_quantity=_FREEZE_QUANTITIES[underlying],
            )
            add(future, spot[underlying] * _CARRY[month])

    for underlying, strikes in _OPTION_STRIKES.items():
        expiry = expiries[0]
        for text in strikes:
            strike = Decimal(text)
            for right in (InstrumentType.CALL, InstrumentType.PUT):
                option = Instrument(
                    exchange=Exchange.NFO,
                    symbol=derivative_symbol(underlying, expiry, right, strike),
                    name=f"{underlying} {expiry:%d %b %Y} {text} {right.value}",
                    instrument_type=right,
                    lot_size=_LOT_SIZES[underlying],
                    expiry=expiry,
                    strike=strike,
                    underlying=underlying,
                    freeze_quantity=_FREEZE_QUANTITIES[underlying],
                )
                add(option, option_reference_price(spot[underlying], strike, right))
    return listings


def option_reference_price(spot: Decimal, strike: Decimal, right: InstrumentType) -> Decimal:
    """Intrinsic value plus a flat time value of 1% of spot: crude, but ordered sensibly
    (in-the-money options cost more) and never zero."""
    intrinsic = spot - strike if right is InstrumentType.CALL else strike - spot
    return max(intrinsic, Decimal(0)) + spot / 100
