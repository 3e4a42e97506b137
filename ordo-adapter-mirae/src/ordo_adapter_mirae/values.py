"""Pure parsing of m.Stock rows beyond numbers (``ordo.adapters.values`` parses those):
keys in any case, timestamps as IST wall-clock text in several layouts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ordo.adapters.values import parse_ist_time

Row = Mapping[str, Any]


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
    return parse_ist_time(value, TIME_FORMATS)
