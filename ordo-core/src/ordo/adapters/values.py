"""One rule set for the numbers (and wall-clock times) brokers send, shared by every
adapter's mapping.

Brokers send the same amount as a JSON number, a numeric string, a string with thousands
separators (``"1,234.50"``), an integer spelled as a float (``"12.0"``, ``12.0``), or a blank
that means "no value" (``""``, ``"None"``, ``"null"``, ``"NA"``, ``"-"``). Every function here
is pure, accepts any of those, and never raises on garbage: a value that is not a finite
number is ``None`` (or the given default), so a mapping decides how strict to be.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo.adapters.clock import IST

BLANKS = frozenset({"", "none", "null", "nan", "na", "n/a", "-", "--"})
"""Spellings of "no value" (compared case-insensitively, after trimming)."""


def parse_decimal(value: Any) -> Decimal | None:
    """A broker number as ``Decimal``; ``None`` for blanks, booleans and garbage.

    Floats go through their shortest ``repr`` (``0.1`` is ``Decimal("0.1")``, not the
    binary expansion); commas are thousands separators and are dropped.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip().replace(",", "")
    if text.lower() in BLANKS:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def decimal_or_zero(value: Any) -> Decimal:
    """``parse_decimal(value)``, or zero when there is no number (amounts, quantities)."""
    number = parse_decimal(value)
    return Decimal(0) if number is None else number


def positive_decimal(value: Any) -> Decimal | None:
    """A price that brokers write as ``0`` when it is not set: ``None`` unless above zero."""
    number = parse_decimal(value)
    return number if number is not None and number > 0 else None


def parse_int(value: Any, default: int = 0) -> int:
    """A broker count as ``int``: ``"12"``, ``12.0``, ``"12.0"`` and ``"1,200"`` all count;
    a fraction is truncated toward zero; blanks and garbage give ``default``."""
    number = parse_decimal(value)
    return default if number is None else int(number)


def parse_text(value: Any) -> str:
    """A broker string, trimmed; ``None``, ``"None"`` and ``"null"`` are the empty string."""
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("none", "null") else text


def parse_ist_time(value: Any, layouts: Iterable[str]) -> datetime | None:
    """A broker's IST wall-clock text in one of its ``layouts`` (tried in order), else ISO
    8601 (naive means IST), as an aware datetime; blanks and garbage give ``None``."""
    text = parse_text(value)
    if not text:
        return None
    for layout in layouts:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=IST)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=IST)
