"""Table-driven error mapping: every code of the fact sheet, HTTP statuses, retry headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.adapters.http import retry_after_seconds
from ordo_adapter_fyers.errors import CODE_TABLE, error_from_reply

SESSION = [-8, -15, -16, -17]
AUTH = [-352, -371, -373, -374, -441, -157]
INVALID = [
    -50,
    -53,
    400,
    -101,
    -308,
    -309,
    -390,
    -310,
    -311,
    -316,
    -323,
    -313,
    -314,
    -315,
    -325,
    -326,
    -327,
    -328,
    -305,
    -392,
    -372,
    -397,
    -398,
    -399,
]
REJECTED = [-99, -159, -161, -162, -163, -164, -209]
RATE = [-429, -353]
TRANSIENT = [-201, -202, -204, -205, -96, -329, 201]

EXPECTED: list[tuple[int, type[BrokerError], type[BrokerError]]] = [
    *[(c, SessionExpired, SessionExpired) for c in SESSION],
    *[(c, AuthFailed, AuthFailed) for c in AUTH],
    *[(c, InvalidRequest, InvalidRequest) for c in INVALID],
    (-51, OrderNotFound, OrderNotFound),
    (-300, InstrumentNotFound, InstrumentNotFound),
    *[(c, OrderRejected, OrderRejected) for c in REJECTED],
    *[(c, RateLimited, RateLimited) for c in RATE],
    *[(c, BrokerUnavailable, OutcomeUnknown) for c in TRANSIENT],
]


def test_every_table_code_is_tested() -> None:
    assert {code for code, _, _ in EXPECTED} == set(CODE_TABLE)


@pytest.mark.parametrize(("code", "on_read", "on_write"), EXPECTED)
def test_code_maps_to_class(
    code: int, on_read: type[BrokerError], on_write: type[BrokerError]
) -> None:
    body = {"s": "error", "code": code, "message": f"broker says {code}"}
    read = error_from_reply(400, body, {}, write=False)
    write = error_from_reply(400, body, {}, write=True)
    assert type(read) is on_read
    assert type(write) is on_write
    assert read.broker_code == str(code)
    assert read.message == f"broker says {code}"


def test_order_not_found_is_an_invalid_request() -> None:
    assert isinstance(error_from_reply(400, {"code": -51}, {}, write=True), InvalidRequest)


@pytest.mark.parametrize("code", SESSION)
def test_token_codes_with_http_401(code: int) -> None:
    assert isinstance(
        error_from_reply(401, {"s": "error", "code": code}, {}, write=False), SessionExpired
    )


def test_invalid_symbol_is_not_an_auth_failure_even_with_401() -> None:
    assert type(error_from_reply(401, {"code": -300}, {}, write=False)) is InstrumentNotFound


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("RMS:Margin Exceeds, Insufficient Funds", InsufficientFunds),
        ("Insufficient fund", InsufficientFunds),
        ("RMS:Blocked scrip", OrderRejected),
    ],
)
def test_rejections_about_money_are_insufficient_funds(
    message: str, cls: type[BrokerError]
) -> None:
    err = error_from_reply(400, {"s": "error", "code": -99, "message": message}, {}, write=True)
    assert type(err) is cls


@pytest.mark.parametrize(
    ("status", "write", "cls"),
    [
        (401, False, SessionExpired),
        (401, True, SessionExpired),
        (403, False, AuthFailed),
        (400, False, InvalidRequest),
        (404, False, InvalidRequest),
        (500, False, BrokerUnavailable),
        (500, True, OutcomeUnknown),
        (502, True, OutcomeUnknown),
        (503, False, BrokerUnavailable),
        (200, True, OrderRejected),
        (200, False, BrokerUnavailable),
    ],
)
def test_http_status_without_known_code(status: int, write: bool, cls: type[BrokerError]) -> None:
    err = error_from_reply(status, {"s": "error", "code": -12345, "message": "?"}, {}, write=write)
    assert type(err) is cls
    assert type(error_from_reply(status, {}, {}, write=write)) is cls


def test_http_429_without_code_uses_the_headers() -> None:
    err = error_from_reply(429, {}, {"Retry-After": "3"}, write=True)
    assert isinstance(err, RateLimited)
    assert err.retry_after == 3.0
    assert err.retryable


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"X-Retry-After-Ms": "1500", "Retry-After": "2"}, 1.5),
        ({"x-retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "4"}, 4.0),
        ({"Retry-After": "soon"}, 1.0),
        ({"X-Retry-After-Ms": "bad", "Retry-After": "2"}, 2.0),
        ({}, 1.0),
        ({"Retry-After": "-5"}, 1.0),  # a negative wait is unreadable: the default
    ],
)
def test_retry_after_headers(headers: dict[str, str], seconds: float) -> None:
    assert retry_after_seconds(headers) == seconds
    err = error_from_reply(429, {"s": "error", "code": -429}, headers, write=False)
    assert isinstance(err, RateLimited)
    assert err.retry_after == seconds


def test_retry_after_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    wait = retry_after_seconds({"Retry-After": format_datetime(when, usegmt=True)})
    assert 25 <= wait <= 31


def test_string_codes_are_read() -> None:
    assert type(error_from_reply(400, {"code": "-300"}, {}, write=False)) is InstrumentNotFound
    assert type(error_from_reply(400, {"code": True}, {}, write=False)) is InvalidRequest


IP_REFUSALS = [
    # (HTTP status, code, message): the fake's wording, and other brokers' known ones.
    (
        400,
        -99,
        "Order rejected: orders are accepted only from the whitelisted static IP; "
        "request IP 127.0.0.3 is not whitelisted for this app",
    ),
    (403, -373, "IP (203.0.113.7) is not allowed"),
    (401, -16, "Static IP not whitelisted"),
]


@pytest.mark.parametrize(("status", "code", "message"), IP_REFUSALS)
@pytest.mark.parametrize("write", [True, False])
def test_a_refused_source_address_is_ip_not_whitelisted(
    status: int, code: int, message: str, write: bool
) -> None:
    from ordo.adapters.errors import IpNotWhitelisted

    body = {"s": "error", "code": code, "message": message}
    error = error_from_reply(status, body, {}, write=write, account="fyers-main")
    assert isinstance(error, IpNotWhitelisted)
    # The message wins over the code: -99 would be a rejection, -16 a dead session.
    assert (error.code, error.http_status, error.broker_code) == (
        "IP_NOT_WHITELISTED",
        403,
        str(code),
    )
    assert not error.retryable
    assert not error.counts_against_breaker
    assert error.account == "fyers-main"
    assert "'fyers-main'" in error.message
    assert message in error.message


def test_the_observed_ip_is_read_from_the_broker_text() -> None:
    from ordo.adapters.errors import IpNotWhitelisted

    body = {"s": "error", "code": -99, "message": IP_REFUSALS[0][2]}
    error = error_from_reply(400, body, {}, write=True, account="a")
    assert isinstance(error, IpNotWhitelisted)
    assert error.observed_ip == "127.0.0.3"
    assert error.details == {"account": "a", "observed_ip": "127.0.0.3"}
    assert "observed IP 127.0.0.3" in error.message


def test_ip_rejection_patterns_are_a_setting() -> None:
    from ordo.adapters.errors import IpNotWhitelisted
    from ordo.adapters.ip_rejection import IpRejection
    from ordo_adapter_fyers.settings import FyersSettings
    from pydantic import SecretStr, ValidationError

    base = {"app_id": "XC1234ABCD-100", "app_secret": SecretStr("s"), "redirect_uri": "x"}
    defaults = FyersSettings(**base)
    assert r"\bnot whitelisted\b" in defaults.ip_rejection_patterns
    custom = FyersSettings(**base, ip_rejection_patterns=["source address refused"])
    body = {"s": "error", "code": -99, "message": "Source address refused by RMS"}
    matched = error_from_reply(
        400, body, {}, write=True, ip_rejection=IpRejection(custom.ip_rejection_patterns)
    )
    assert isinstance(matched, IpNotWhitelisted)
    # Under the defaults the same reply is an ordinary rejection.
    assert type(error_from_reply(400, body, {}, write=True)) is OrderRejected
    with pytest.raises(ValidationError, match="not a regular expression"):
        FyersSettings(**base, ip_rejection_patterns=["[unclosed"])
