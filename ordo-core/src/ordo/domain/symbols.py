"""Pure helpers for the unified derivative symbology.

Futures read ``<UNDERLYING><DD><MON><YY>FUT`` (``NIFTY30JAN25FUT``) and options
``<UNDERLYING><DD><MON><YY><STRIKE><CE|PE>`` (``NIFTY30JAN2521500CE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordo.domain.enums import InstrumentType

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_PATTERN = re.compile(
    r"^(?P<underlying>[A-Z0-9&\-_]+?)(?P<day>\d{2})(?P<month>" + "|".join(MONTHS) + r")"
    r"(?P<year>\d{2})(?:(?P<fut>FUT)|(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE))$"
)


@dataclass(frozen=True)
class DerivativeSymbol:
    underlying: str
    expiry: date
    instrument_type: InstrumentType
    strike: Decimal | None = None

    def __str__(self) -> str:
        return derivative_symbol(self.underlying, self.expiry, self.instrument_type, self.strike)


def format_strike(strike: Decimal) -> str:
    """``21500.0`` -> ``21500``; ``102.50`` -> ``102.5``."""
    text = format(strike.normalize(), "f")
    return text


def derivative_symbol(
    underlying: str, expiry: date, instrument_type: InstrumentType, strike: Decimal | None = None
) -> str:
    """Build the unified symbol of a future or option."""
    stem = f"{underlying.upper()}{expiry.day:02d}{MONTHS[expiry.month - 1]}{expiry.year % 100:02d}"
    if instrument_type is InstrumentType.FUTURE:
        return f"{stem}FUT"
    if instrument_type in (InstrumentType.CALL, InstrumentType.PUT):
        if strike is None:
            raise ValueError("an option symbol needs a strike")
        return f"{stem}{format_strike(strike)}{instrument_type.value}"
    raise ValueError(f"{instrument_type} is not a derivative")


def parse_derivative_symbol(symbol: str) -> DerivativeSymbol | None:
    """Split a unified derivative symbol; ``None`` when ``symbol`` is not one."""
    match = _PATTERN.match(symbol.upper())
    if match is None:
        return None
    expiry = date(2000 + int(match["year"]), MONTHS.index(match["month"]) + 1, int(match["day"]))
    if match["fut"]:
        return DerivativeSymbol(match["underlying"], expiry, InstrumentType.FUTURE)
    return DerivativeSymbol(
        match["underlying"], expiry, InstrumentType(match["right"]), Decimal(match["strike"])
    )
