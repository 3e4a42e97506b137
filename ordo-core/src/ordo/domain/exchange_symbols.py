"""The exchanges' own trading symbols for NSE/BSE derivatives, which brokers pass through
(Fyers after the ``NSE:`` prefix, m.Stock and other Kite-style tradingsymbols).

Monthly contracts: ``<UNDERLYING><YY><MON>FUT`` (``NIFTY25JANFUT``) and
``<UNDERLYING><YY><MON><STRIKE><CE|PE>`` (``NIFTY25JAN21500CE``). Weekly options:
``<UNDERLYING><YY><M><DD><STRIKE><CE|PE>`` with ``M`` one of ``1``-``9``, ``O``, ``N``, ``D``
(``NIFTY2513021500CE`` expires 30 Jan 2025). Futures are always monthly. A monthly symbol has
no expiry day, so the instrument master's expiry is the authority and ``unified`` needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordo.domain.enums import InstrumentType
from ordo.domain.symbols import MONTHS, derivative_symbol, format_strike

WEEKLY_MONTH_CODES = "123456789OND"
"""The one-character month of a weekly option symbol (October to December are letters)."""

_UNDERLYING = r"(?P<underlying>[A-Z0-9&\-_]+?)"
_OPTION = r"(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE)"
_MONTHLY = re.compile(
    rf"^{_UNDERLYING}(?P<yy>\d{{2}})(?P<mon>{'|'.join(MONTHS)})(?:(?P<fut>FUT)|{_OPTION})$"
)
_WEEKLY = re.compile(rf"^{_UNDERLYING}(?P<yy>\d{{2}})(?P<m>[1-9OND])(?P<dd>\d{{2}}){_OPTION}$")


@dataclass(frozen=True)
class ExchangeDerivative:
    """The parts of an exchange derivative symbol; ``day`` is ``None`` for monthly ones."""

    underlying: str
    year: int
    month: int
    day: int | None
    instrument_type: InstrumentType
    strike: Decimal | None = None

    def unified(self, expiry: date | None = None) -> str:
        """Ordo's unified symbol (``NIFTY30JAN25FUT``). ``expiry`` is required for a monthly
        symbol (it has no day) and must agree with the symbol's year and month."""
        if expiry is None:
            if self.day is None:
                raise ValueError("a monthly symbol needs the expiry date from the master")
            expiry = date(self.year, self.month, self.day)
        if (expiry.year, expiry.month) != (self.year, self.month):
            raise ValueError(f"expiry {expiry} does not match the symbol's month")
        return derivative_symbol(self.underlying, expiry, self.instrument_type, self.strike)


def format_exchange_derivative(
    underlying: str,
    expiry: date,
    instrument_type: InstrumentType,
    strike: Decimal | None = None,
    *,
    weekly: bool = False,
) -> str:
    """The exchange symbol of a future or option; ``weekly`` picks the weekly option form
    (futures have only the monthly one)."""
    yy = f"{expiry.year % 100:02d}"
    und = underlying.upper()
    if instrument_type is InstrumentType.FUTURE:
        return f"{und}{yy}{MONTHS[expiry.month - 1]}FUT"
    if instrument_type not in (InstrumentType.CALL, InstrumentType.PUT):
        raise ValueError(f"{instrument_type} is not a derivative")
    if strike is None:
        raise ValueError("an option symbol needs a strike")
    tail = f"{format_strike(strike)}{instrument_type.value}"
    if weekly:
        return f"{und}{yy}{WEEKLY_MONTH_CODES[expiry.month - 1]}{expiry.day:02d}{tail}"
    return f"{und}{yy}{MONTHS[expiry.month - 1]}{tail}"


def parse_exchange_derivative(symbol: str) -> ExchangeDerivative | None:
    """Split an exchange derivative symbol; ``None`` when ``symbol`` is not one."""
    text = symbol.strip().upper()
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
        if not 1 <= day <= 31:
            return None
    year = 2000 + int(match["yy"])
    if match.groupdict().get("fut"):
        return ExchangeDerivative(match["underlying"], year, month, day, InstrumentType.FUTURE)
    return ExchangeDerivative(
        match["underlying"],
        year,
        month,
        day,
        InstrumentType(match["right"]),
        Decimal(match["strike"]),
    )
