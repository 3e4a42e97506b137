"""Pure conversions between Ordo's unified symbols and Fyers tickers.

Fyers tickers (fact sheet §5.4): equity ``NSE:SBIN-EQ`` / ``BSE:SBIN-A``, index
``NSE:NIFTY50-INDEX``, monthly F&O ``NSE:NIFTY25JANFUT`` / ``NSE:NIFTY25JAN21500CE`` and
weekly options ``NSE:NIFTY2512321500CE`` (``YY`` + month digit 1-9/O/N/D + ``dd``).
A monthly ticker carries no expiry day, so turning it into a unified symbol needs the expiry
date from the master; the instrument catalog is the authority, these functions do the text.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ordo.domain import Exchange, InstrumentType, SymbolRef, unified_index_symbol
from ordo.domain.exchange_symbols import format_exchange_derivative, parse_exchange_derivative
from ordo.domain.symbols import parse_derivative_symbol

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
FYERS_INDEX_NAMES = {
    "NIFTY": "NIFTY50",
    "BANKNIFTY": "NIFTYBANK",
    "FINNIFTY": "FINNIFTY",
    "MIDCPNIFTY": "MIDCPNIFTY",
    "SENSEX": "SENSEX",
    "BANKEX": "BANKEX",
}
"""Unified index symbol -> the name in Fyers' index ticker (``NSE:NIFTY50-INDEX``)."""

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
    """The Fyers ticker name (no prefix) of a future or option: the exchange's own symbol."""
    if instrument_type is InstrumentType.FUTURE and not monthly:
        raise ValueError("Fyers futures use the monthly form")
    return format_exchange_derivative(
        underlying, expiry, instrument_type, strike, weekly=not monthly
    )


def to_fyers_ticker(ref: SymbolRef, *, monthly: bool = True, series: str | None = None) -> str:
    """The Fyers ticker of a unified reference. ``monthly`` picks the option ticker form;
    ``series`` overrides the equity series (EQ on NSE, A on BSE by default)."""
    prefix = TICKER_PREFIX[ref.exchange]
    if ref.exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX):
        return f"{prefix}:{FYERS_INDEX_NAMES.get(ref.symbol, ref.symbol)}{INDEX_SUFFIX}"
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
        symbol = unified_index_symbol(index_exchange, name[: -len(INDEX_SUFFIX)])
        return SymbolRef(exchange=index_exchange, symbol=symbol)
    parsed = parse_exchange_derivative(name)
    if parsed is not None:
        exchange = derivative_exchange or {
            "NSE": Exchange.NFO,
            "BSE": Exchange.BFO,
            "MCX": Exchange.MCX,
        }.get(prefix)
        if exchange is None:
            raise ValueError(f"{ticker!r}: unknown derivative prefix {prefix}")
        return SymbolRef(exchange=exchange, symbol=parsed.unified(expiry))
    cash = {"NSE": Exchange.NSE, "BSE": Exchange.BSE}.get(prefix)
    if cash is None:
        raise ValueError(f"{ticker!r} is neither a cash nor a derivative ticker")
    return SymbolRef(exchange=cash, symbol=strip_series(name))
