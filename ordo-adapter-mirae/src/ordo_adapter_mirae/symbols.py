"""Pure conversions between m.Stock trading symbols and Ordo's unified symbology.

The Type A scrip master is Kite-like: monthly contracts read ``NIFTY25JANFUT`` and
``NIFTY25JAN21500CE``; weekly options ``NIFTY2513021500CE`` (year, month code ``1``-``9``,
``O``, ``N``, ``D``, day). Ordo's unified symbol always carries the expiry day
(``NIFTY30JAN25FUT``), which a monthly broker symbol lacks, so the master's ``expiry``
column is the authority and parsing a broker symbol is only the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordo.domain import Exchange, InstrumentType
from ordo.domain.symbols import format_strike

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKLY_MONTH_CODES = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "O", "N", "D")

BROKER_EXCHANGES: dict[str, Exchange] = {
    "NSE": Exchange.NSE,
    "BSE": Exchange.BSE,
    "NFO": Exchange.NFO,
    "BFO": Exchange.BFO,
    "MCX": Exchange.MCX,
    "CDS": Exchange.CDS,
}
"""m.Stock exchange codes (orders and quotes) -> unified exchange."""

INDEX_EXCHANGES = {Exchange.NSE: Exchange.NSE_INDEX, Exchange.BSE: Exchange.BSE_INDEX}
BROKER_EXCHANGE_OF: dict[Exchange, str] = {
    **{unified: code for code, unified in BROKER_EXCHANGES.items()},
    Exchange.NSE_INDEX: "NSE",
    Exchange.BSE_INDEX: "BSE",
}
"""Unified exchange -> the code m.Stock expects in ``exchange`` and in ``i=EXCH:SYMBOL``."""

_UNDERLYING = r"(?P<underlying>[A-Z0-9&\-_]*?[A-Z&\-_])"
_MONTHLY = re.compile(
    _UNDERLYING + r"(?P<yy>\d{2})(?P<mon>" + "|".join(MONTHS) + r")"
    r"(?:(?P<fut>FUT)|(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE))$"
)
_WEEKLY = re.compile(
    _UNDERLYING + r"(?P<yy>\d{2})(?P<m>[1-9OND])(?P<dd>\d{2})"
    r"(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE)$"
)


@dataclass(frozen=True)
class BrokerDerivative:
    """The parts of a broker derivative symbol. ``day`` is ``None`` for monthly symbols."""

    underlying: str
    year: int
    month: int
    day: int | None
    instrument_type: InstrumentType
    strike: Decimal | None = None


def format_broker_derivative(
    underlying: str,
    expiry: date,
    instrument_type: InstrumentType,
    strike: Decimal | None = None,
    *,
    weekly: bool = False,
) -> str:
    """The Kite-style m.Stock symbol of a future or option."""
    yy = f"{expiry.year % 100:02d}"
    if instrument_type is InstrumentType.FUTURE:
        return f"{underlying}{yy}{MONTHS[expiry.month - 1]}FUT"
    if instrument_type not in (InstrumentType.CALL, InstrumentType.PUT):
        raise ValueError(f"{instrument_type} is not a derivative")
    if strike is None:
        raise ValueError("an option symbol needs a strike")
    right = instrument_type.value
    if weekly:
        code = WEEKLY_MONTH_CODES[expiry.month - 1]
        return f"{underlying}{yy}{code}{expiry.day:02d}{format_strike(strike)}{right}"
    return f"{underlying}{yy}{MONTHS[expiry.month - 1]}{format_strike(strike)}{right}"


def parse_broker_derivative(symbol: str) -> BrokerDerivative | None:
    """Split a Kite-style broker symbol; ``None`` when it is not a derivative symbol."""
    text = symbol.strip().upper()
    monthly = _MONTHLY.match(text)
    if monthly is not None:
        kind, strike = _kind_and_strike(monthly["fut"], monthly["strike"], monthly["right"])
        return BrokerDerivative(
            monthly["underlying"],
            2000 + int(monthly["yy"]),
            MONTHS.index(monthly["mon"]) + 1,
            None,
            kind,
            strike,
        )
    weekly = _WEEKLY.match(text)
    if weekly is not None:
        month = WEEKLY_MONTH_CODES.index(weekly["m"]) + 1
        day = int(weekly["dd"])
        if not 1 <= day <= 31:
            return None
        kind, strike = _kind_and_strike(None, weekly["strike"], weekly["right"])
        return BrokerDerivative(
            weekly["underlying"], 2000 + int(weekly["yy"]), month, day, kind, strike
        )
    return None


def _kind_and_strike(
    fut: str | None, strike: str | None, right: str | None
) -> tuple[InstrumentType, Decimal | None]:
    if fut or right is None:
        return InstrumentType.FUTURE, None
    return InstrumentType(right), Decimal(strike) if strike is not None else None


def equity_symbol(tradingsymbol: str) -> str:
    """``ACC-EQ`` and ``ACC`` are both the unified ``ACC``; other series (``-BE``) keep
    their suffix so they stay distinct instruments."""
    text = tradingsymbol.strip().upper()
    return text[:-3] if text.endswith("-EQ") else text


def index_symbol(tradingsymbol: str) -> str:
    """``NIFTY 50`` -> ``NIFTY50``: unified symbols hold no spaces."""
    return re.sub(r"[^A-Z0-9&_\-.]", "", tradingsymbol.strip().upper())


def fallback_symbol(exchange: Exchange, tradingsymbol: str) -> str:
    """The best unified symbol when the master does not know a broker symbol (an order or
    position of an instrument that has since expired)."""
    if exchange in (Exchange.NSE, Exchange.BSE):
        return equity_symbol(tradingsymbol)
    if exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX):
        return index_symbol(tradingsymbol)
    return tradingsymbol.strip().upper()
