"""The one rule set for broker numbers, with the quirks of every broker Ordo speaks to:
Fyers floats and ints-as-floats, m.Stock strings with commas and ``"None"``, InvestRight
floats and blanks; and the one reader of the brokers' Retry-After headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ordo.adapters.clock import IST
from ordo.adapters.http import retry_after_seconds
from ordo.adapters.values import (
    decimal_or_zero,
    parse_decimal,
    parse_int,
    parse_ist_time,
    parse_text,
    positive_decimal,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Fyers: JSON floats and numeric strings
        ("12.5", Decimal("12.5")),
        (0.1, Decimal("0.1")),
        (2500.05, Decimal("2500.05")),
        ("nan", None),
        (float("nan"), None),
        (float("inf"), None),
        ("Infinity", None),
        (True, None),
        (False, None),
        # m.Stock: thousands separators, "None", padding
        ("1,234.50", Decimal("1234.50")),
        (12, Decimal(12)),
        (1.5, Decimal("1.5")),
        ("None", None),
        (None, None),
        ("", None),
        ("null", None),
        ("abc", None),
        ("NaN", None),
        (" 42 ", Decimal(42)),
        ("-", None),
        ("NA", None),
        # InvestRight: floats, comma strings, blanks
        (1089.75, Decimal("1089.75")),
        ("1,234.5", Decimal("1234.5")),
        ("  ", None),
        (Decimal("7.25"), Decimal("7.25")),
        (Decimal("NaN"), None),
        ("-3.5", Decimal("-3.5")),
        ([1], None),
    ],
)
def test_parse_decimal(value: Any, expected: Decimal | None) -> None:
    assert parse_decimal(value) == expected


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    )
)
def test_parse_decimal_round_trips_text(number: Decimal) -> None:
    assert parse_decimal(str(number)) == number
    assert parse_decimal(f"{number:,}") == number


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_floats_keep_their_shortest_text(number: float) -> None:
    assert parse_decimal(number) == Decimal(repr(number))


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("7.0", 0, 7),  # int through float (Fyers qty fields)
        (7.0, 0, 7),
        ("x", 3, 3),
        ("", 0, 0),
        (None, 5, 5),
        ("1,200", 0, 1200),  # m.Stock quantities with separators
        ("12.9", 0, 12),  # truncated toward zero, never rounded up
        ("-12.9", 0, -12),
        (True, 4, 4),
        ("None", 0, 0),
    ],
)
def test_parse_int(value: Any, default: int, expected: int) -> None:
    assert parse_int(value, default) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", None), (0, None), ("0.00", None), ("-1", None), ("", None), ("12.5", Decimal("12.5"))],
)
def test_positive_decimal_treats_zero_as_unset(value: Any, expected: Decimal | None) -> None:
    assert positive_decimal(value) == expected


def test_decimal_or_zero() -> None:
    assert decimal_or_zero("") == Decimal(0)
    assert decimal_or_zero(None) == Decimal(0)
    assert decimal_or_zero("1,000.5") == Decimal("1000.5")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("None", ""), ("null", ""), ("  SBIN ", "SBIN"), (42, "42")],
)
def test_parse_text(value: Any, expected: str) -> None:
    assert parse_text(value) == expected


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"X-Retry-After-Ms": "1500", "Retry-After": "2"}, 1.5),  # Fyers' millisecond header
        ({"x-retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "4"}, 4.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "soon"}, 1.0),
        ({"X-Retry-After-Ms": "bad", "Retry-After": "2"}, 2.0),
        ({}, 1.0),
        ({"Retry-After": "-5"}, 1.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
    ],
)
def test_retry_after_seconds(headers: dict[str, str], seconds: float) -> None:
    assert retry_after_seconds(headers) == seconds


def test_retry_after_default_and_future_date() -> None:
    assert retry_after_seconds({}, 0.75) == 0.75
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= retry_after_seconds({"Retry-After": format_datetime(when, usegmt=True)}) <= 31


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09-Mar-2023 09:34:38", datetime(2023, 3, 9, 9, 34, 38, tzinfo=IST)),
        (" 30/04/2024 12:40:12 ", datetime(2024, 4, 30, 12, 40, 12, tzinfo=IST)),
        ("2024-04-30T12:40:12", datetime(2024, 4, 30, 12, 40, 12, tzinfo=IST)),
        ("2024-04-30T07:10:12+00:00", datetime(2024, 4, 30, 7, 10, 12, tzinfo=UTC)),
        ("None", None),
        ("", None),
        (None, None),
        ("30 APR 2024", None),
    ],
)
def test_ist_wall_clock_times(value: object, expected: datetime | None) -> None:
    parsed = parse_ist_time(value, ("%d-%b-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"))
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None
