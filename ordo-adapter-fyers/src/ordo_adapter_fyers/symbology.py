"""Pure conversions between Ordo's unified symbols and Fyers tickers.

Fyers tickers (fact sheet §5.4): equity ``NSE:SBIN-EQ`` / ``BSE:SBIN-A``, index
``NSE:NIFTY50-INDEX``, monthly F&O ``NSE:NIFTY25JANFUT`` / ``NSE:NIFTY25JAN21500CE`` and
weekly options ``NSE:NIFTY2512321500CE`` (``YY`` + month digit 1-9/O/N/D + ``dd``).
A monthly ticker carries no expiry day, so turning it into a unified symbol needs the expiry
date from the master; the instrument catalog is the authority, these functions do the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordo.domain import Exchange, InstrumentType, SymbolRef, derivative_symbol
from ordo.domain.symbols import format_strike, parse_derivative_symbol

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKLY_MONTH_CODES = "123456789OND"

TICKER_PREFIX: dict[Exchange, str] = {
    Exchange.NSE: "NSE",
    Exchange.BSE: "BSE",
    Exchange.NFO: "NSE",
    Exchange.BFO: "BSE",
    Exchange.CDS: "NSE",
    Exchange.MCX: "MCX",
    Exchange.NSE_INDEX: "NSE",
    Exchange.BSE_INDEX: "BSE",
}
DEFAULT_SERIES: dict[Exchange, str] = {Exchange.NSE: "EQ", Exchange.BSE: "A"}
INDEX_SUFFIX = "-INDEX"

_UND = r"(?P<und>[A-Z0-9&\-_]+?)"
_OPT = r"(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE)"
_MONTHLY = re.compile(rf"^{_UND}(?P<yy>\d{{2}})(?P<mon>{'|'.join(MONTHS)})(?:(?P<fut>FUT)|{_OPT})$")
_WEEKLY = re.compile(rf"^{_UND}(?P<yy>\d{{2}})(?P<m>[1-9OND])(?P<dd>\d{{2}}){_OPT}$")

# (Fyers exchange code, segment code) -> unified exchange, per the fact sheet's appendix.
_SEGMENTS: dict[tuple[int, int], Exchange] = {
    (10, 10): Exchange.NSE,
    (10, 11): Exchange.NFO,
    (10, 12): Exchange.CDS,
    (12, 10): Exchange.BSE,
    (12, 11): Exchange.BFO,
    (11, 20): Exchange.MCX,
}
_INDEX_OF = {Exchange.NSE: Exchange.NSE_INDEX, Exchange.BSE: Exchange.BSE_INDEX}


@dataclass(frozen=True)
class FyersDerivative:
    """The parts of a Fyers derivative ticker name; ``day`` is ``None`` for monthly ones."""

    underlying: str
    year: int
    month: int
    day: int | None
    instrument_type: InstrumentType
    strike: Decimal | None = None


def unified_exchange(exchange_code: int, segment_code: int, *, index: bool) -> Exchange | None:
    """The unified exchange of a master row, ``None`` for segments Ordo does not trade."""
    exchange = _SEGMENTS.get((exchange_code, segment_code))
    if exchange is not None and index:
        return _INDEX_OF.get(exchange)
    return exchange


def split_ticker(ticker: str) -> tuple[str, str]:
    """``NSE:SBIN-EQ`` -> (``NSE``, ``SBIN-EQ``); ``ValueError`` when there is no prefix."""
    prefix, sep, name = ticker.strip().upper().partition(":")
    if not sep or not prefix or not name:
        raise ValueError(f"{ticker!r} is not a Fyers ticker")
    return prefix, name


def equity_ticker(exchange: Exchange, symbol: str, series: str | None = None) -> str:
    """``NSE``/``SBIN`` -> ``NSE:SBIN-EQ`` (default series EQ on NSE, group A on BSE)."""
    chosen = series or DEFAULT_SERIES.get(exchange, "EQ")
    return f"{TICKER_PREFIX[exchange]}:{symbol.upper()}-{chosen}"


def strip_series(name: str) -> str:
    """``SBIN-EQ`` -> ``SBIN``; ``BAJAJ-AUTO-EQ`` -> ``BAJAJ-AUTO``; a name without a series
    is returned unchanged."""
    stem, sep, _series = name.rpartition("-")
    return stem if sep and stem else name


def fyers_derivative_name(
    underlying: str,
    expiry: date,
    instrument_type: InstrumentType,
    strike: Decimal | None = None,
    *,
    monthly: bool,
) -> str:
    """The Fyers ticker name (no prefix) of a future or option."""
    yy = f"{expiry.year % 100:02d}"
    und = underlying.upper()
    if instrument_type is InstrumentType.FUTURE:
        if not monthly:
            raise ValueError("Fyers futures use the monthly form")
        return f"{und}{yy}{MONTHS[expiry.month - 1]}FUT"
    if instrument_type not in (InstrumentType.CALL, InstrumentType.PUT):
        raise ValueError(f"{instrument_type} is not a derivative")
    if strike is None:
        raise ValueError("an option needs a strike")
    tail = f"{format_strike(strike)}{instrument_type.value}"
    if monthly:
        return f"{und}{yy}{MONTHS[expiry.month - 1]}{tail}"
    return f"{und}{yy}{WEEKLY_MONTH_CODES[expiry.month - 1]}{expiry.day:02d}{tail}"


def parse_fyers_derivative(name: str) -> FyersDerivative | None:
    """Split a Fyers derivative ticker name; ``None`` when ``name`` is not one."""
    text = name.upper()
    match = _MONTHLY.match(text)
    if match is not None:
        month = MONTHS.index(match["mon"]) + 1
        day = None
    else:
        match = _WEEKLY.match(text)
        if match is None:
            return None
        month = WEEKLY_MONTH_CODES.index(match["m"]) + 1
        day = int(match["dd"])
    year = 2000 + int(match["yy"])
    if match.groupdict().get("fut"):
        return FyersDerivative(match["und"], year, month, day, InstrumentType.FUTURE)
    return FyersDerivative(
        match["und"], year, month, day, InstrumentType(match["right"]), Decimal(match["strike"])
    )


def unified_derivative(parsed: FyersDerivative, expiry: date | None = None) -> str:
    """The unified symbol of a parsed Fyers derivative.

    ``expiry`` is required for a monthly ticker (it has no day) and must agree with the
    ticker's year and month.
    """
    if expiry is None:
        if parsed.day is None:
            raise ValueError("a monthly Fyers ticker needs the expiry date from the master")
        expiry = date(parsed.year, parsed.month, parsed.day)
    if (expiry.year, expiry.month) != (parsed.year, parsed.month):
        raise ValueError(f"expiry {expiry} does not match the ticker's month")
    return derivative_symbol(parsed.underlying, expiry, parsed.instrument_type, parsed.strike)


def to_fyers_ticker(ref: SymbolRef, *, monthly: bool = True, series: str | None = None) -> str:
    """The Fyers ticker of a unified reference. ``monthly`` picks the option ticker form;
    ``series`` overrides the equity series (EQ on NSE, A on BSE by default)."""
    prefix = TICKER_PREFIX[ref.exchange]
    if ref.exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX):
        return f"{prefix}:{ref.symbol}{INDEX_SUFFIX}"
    if ref.exchange in (Exchange.NSE, Exchange.BSE):
        return equity_ticker(ref.exchange, ref.symbol, series)
    parsed = parse_derivative_symbol(ref.symbol)
    if parsed is None:
        raise ValueError(f"{ref} is not a unified derivative symbol")
    name = fyers_derivative_name(
        parsed.underlying,
        parsed.expiry,
        parsed.instrument_type,
        parsed.strike,
        monthly=monthly or parsed.instrument_type is InstrumentType.FUTURE,
    )
    return f"{prefix}:{name}"


def from_fyers_ticker(
    ticker: str, *, expiry: date | None = None, derivative_exchange: Exchange | None = None
) -> SymbolRef:
    """The unified reference of a Fyers ticker.

    Derivatives on the ``NSE`` prefix are taken as NFO unless ``derivative_exchange`` says
    CDS; ``expiry`` supplies the day of a monthly contract.
    """
    prefix, name = split_ticker(ticker)
    if name.endswith(INDEX_SUFFIX):
        index_exchange = {"NSE": Exchange.NSE_INDEX, "BSE": Exchange.BSE_INDEX}.get(prefix)
        if index_exchange is None:
            raise ValueError(f"{ticker!r}: no index exchange for prefix {prefix}")
        return SymbolRef(exchange=index_exchange, symbol=name[: -len(INDEX_SUFFIX)])
    parsed = parse_fyers_derivative(name)
    if parsed is not None:
        exchange = derivative_exchange or {
            "NSE": Exchange.NFO,
            "BSE": Exchange.BFO,
            "MCX": Exchange.MCX,
        }.get(prefix)
        if exchange is None:
            raise ValueError(f"{ticker!r}: unknown derivative prefix {prefix}")
        return SymbolRef(exchange=exchange, symbol=unified_derivative(parsed, expiry))
    cash = {"NSE": Exchange.NSE, "BSE": Exchange.BSE}.get(prefix)
    if cash is None:
        raise ValueError(f"{ticker!r} is neither a cash nor a derivative ticker")
    return SymbolRef(exchange=cash, symbol=strip_series(name))
