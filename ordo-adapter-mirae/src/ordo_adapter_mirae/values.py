"""Pure parsing of m.Stock scalar values: numbers as numbers or strings, empty values as
``null``, ``""`` or ``"None"``, timestamps as IST wall-clock text in several layouts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo.adapters.clock import IST

Row = Mapping[str, Any]
EMPTY = frozenset({"", "none", "null", "nan", "na", "-"})


def to_decimal(value: Any) -> Decimal | None:
    """A number from a JSON number or string (``"1,234.50"``); ``None`` for empty values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "")
    if text.lower() in EMPTY:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_int(value: Any) -> int:
    number = to_decimal(value)
    return int(number) if number is not None else 0


def to_text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("none", "null") else text


def positive(value: Any) -> Decimal | None:
    """Prices of ``0`` mean "not set" in m.Stock rows."""
    number = to_decimal(value)
    return number if number is not None and number > 0 else None


def lower_keys(row: Row) -> dict[str, Any]:
    return {str(key).strip().lower(): value for key, value in row.items()}


TIME_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %I:%M:%S %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%b-%d %H:%M:%S",
    "%d-%b-%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
)


def parse_timestamp(value: Any) -> datetime | None:
    """m.Stock timestamps are IST wall-clock times in several layouts."""
    text = to_text(value)
    if not text:
        return None
    for layout in TIME_FORMATS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=IST)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=IST)
