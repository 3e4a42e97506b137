"""Table-driven tests of m.Stock reply -> BrokerError mapping (every code of the fact sheet)."""

from __future__ import annotations

from typing import Any

import pytest
from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InsufficientFunds,
    InvalidRequest,
    IpNotWhitelisted,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo_adapter_mirae.errors import error_from_reply, is_success, payload, unwrap


def type_a(error_type: str | None, message: str) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "message": message, "data": None}
    if error_type is not None:
        body["error_type"] = error_type
    return body


def type_b(code: str, message: str, status: Any = "false") -> dict[str, Any]:
    return {"status": status, "message": message, "errorcode": code, "data": None}


# (http status, body, write, expected error class, expected broker_code)
CASES: list[tuple[int, Any, bool, type[BrokerError], str | None]] = [
    # Type A error_type, each with the HTTP status and messages the fact sheet reports
    (
        401,
        type_a("TokenException", "Invalid request. Please try again."),
        False,
        SessionExpired,
        "TokenException",
    ),
    (
        403,
        type_a("TokenException", "Invalid request. Please try again."),
        True,
        SessionExpired,
        "TokenException",
    ),
    (
        403,
        type_a(
            "APIKeyException",
            "API is suspended/expired for use. Please check your API subscription and try again.",
        ),
        False,
        AuthFailed,
        "APIKeyException",
    ),
    (
        400,
        type_a("APIKeyException", "API is suspended/expired for use."),
        True,
        AuthFailed,
        "APIKeyException",
    ),
    (
        403,
        type_a(
            "APIKeyException",
            "Primary and Secondary IP Address are not matching with current IP address.",
        ),
        True,
        # Issue 17: a refused source address is its own error, not the API key's.
        IpNotWhitelisted,
        "APIKeyException",
    ),
    (
        400,
        type_a("InputException", "quantity is mandatory"),
        True,
        InvalidRequest,
        "InputException",
    ),
    (
        200,
        type_a("InputException", "Order Does not Exsist.Need to refresh orderbook / relogin"),
        True,
        OrderNotFound,
        "InputException",
    ),
    (
        200,
        type_a("InputException", "System is not connected to NSE Equity market"),
        True,
        OrderRejected,
        "InputException",
    ),
    (
        200,
        type_a("MiraeException", "Invalid username or password (2 attempts remaining)"),
        False,
        AuthFailed,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "The entered OTP is incorrect. Please enter valid OTP (-MACM60)"),
        False,
        AuthFailed,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "Entered OTP has been expired. Please regenerate OTP"),
        False,
        AuthFailed,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "Please enter correct TOTP"),
        False,
        AuthFailed,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "RMS:Rule: FUND LIMIT INSUFFICIENT"),
        True,
        InsufficientFunds,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "Order is Cancelled.Kindly refresh your OrderBook"),
        True,
        OrderRejected,
        "MiraeException",
    ),
    (
        200,
        type_a("MiraeException", "something went wrong"),
        False,
        BrokerUnavailable,
        "MiraeException",
    ),
    (500, type_a("MiraeException", "something went wrong"), True, OutcomeUnknown, "MiraeException"),
    (500, type_a("GeneralException", "internal error"), True, OutcomeUnknown, "GeneralException"),
    (
        500,
        type_a("GeneralException", "internal error"),
        False,
        BrokerUnavailable,
        "GeneralException",
    ),
    (
        200,
        type_a("VersionException", "Please provide valid api version."),
        False,
        InvalidRequest,
        "VersionException",
    ),
    (200, type_a("DataException", "unparseable"), True, OutcomeUnknown, "DataException"),
    # An API-key failure without error_type
    (403, type_a(None, "Invalid API key"), False, AuthFailed, None),
    (200, type_a(None, "API is suspended/expired for use."), False, AuthFailed, None),
    # Type B errorcode
    (401, type_b("IA401", "Invalid request. Please try again."), False, SessionExpired, "IA401"),
    (200, type_b("IA401", "Invalid request. Please try again."), True, SessionExpired, "IA401"),
    (403, type_b("IA403", "API key expired"), False, AuthFailed, "IA403"),
    (400, type_b("IA403", "API key expired"), True, AuthFailed, "IA403"),
    (400, type_b("IA400", "Trigger price can not be blank."), True, InvalidRequest, "IA400"),
    (404, type_b("IA404", "Resource not found"), False, InvalidRequest, "IA404"),
    (500, type_b("IA500", "Internal error"), True, OutcomeUnknown, "IA500"),
    (500, type_b("IA500", "Internal error"), False, BrokerUnavailable, "IA500"),
    (
        200,
        type_b("MA500", "Invalid username or password. 2 attempts remaining"),
        False,
        AuthFailed,
        "MA500",
    ),
    (200, type_b("MA500", "OTP has been expired"), False, AuthFailed, "MA500"),
    (200, type_b("MA500", "Back office unavailable"), True, OrderRejected, "MA500"),
    (400, type_b("MA400", "Invalid TOTP"), False, AuthFailed, "MA400"),
    (400, type_b("MA400", "bad request"), False, InvalidRequest, "MA400"),
    (200, type_b("MA0034", "INSUFICIENT QUANTITY TO CONVERT"), True, OrderRejected, "MA0034"),
    (200, type_b("MA123", "relayed"), True, OrderRejected, "MA123"),
    (200, type_b("RS-0111", "RMS FUND LIMIT INSUFFICIENT"), True, InsufficientFunds, "RS-0111"),
    (
        200,
        type_b("RS-0034", "Order is Cancelled.Kindly refresh your OrderBook"),
        True,
        OrderRejected,
        "RS-0034",
    ),
    (
        200,
        type_b("RS-00093", "Order is Cancelled.Kindly refresh your OrderBook"),
        True,
        OrderRejected,
        "RS-00093",
    ),
    (200, type_b("RS-0999", "some RMS rule"), True, OrderRejected, "RS-0999"),
    (400, type_b("400", "Enter valid trigger price."), True, InvalidRequest, "400"),
    (200, type_b("500", "error"), True, OutcomeUnknown, "500"),
    (200, type_b("IA401", "expired", status=False), False, SessionExpired, "IA401"),
    # Rate limits, by status or by message
    (429, type_a("GeneralException", "Too many requests"), True, RateLimited, "GeneralException"),
    (200, type_a(None, "Rate limit exceeded"), False, RateLimited, None),
    # HTTP status alone
    (401, None, False, SessionExpired, None),
    (403, None, False, AuthFailed, None),
    (404, None, False, InvalidRequest, None),
    (502, None, True, OutcomeUnknown, None),
    (503, None, False, BrokerUnavailable, None),
    (200, None, True, OutcomeUnknown, None),
    (200, None, False, BrokerUnavailable, None),
    # ASP.NET validation problem body
    (
        400,
        {
            "type": "https://tools.ietf.org/html/rfc7231",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"otp": ["required"]},
            "traceId": "x",
        },
        False,
        InvalidRequest,
        None,
    ),
]


@pytest.mark.parametrize(("http_status", "body", "write", "expected", "code"), CASES)
def test_error_mapping(
    http_status: int, body: Any, write: bool, expected: type[BrokerError], code: str | None
) -> None:
    error = error_from_reply(http_status, body, write=write)
    assert type(error) is expected
    assert error.broker_code == code


@pytest.mark.parametrize(
    ("http_status", "body", "write", "expected", "code"), [c for c in CASES if c[1] is not None]
)
def test_error_mapping_unwraps_a_list_of_one(
    http_status: int, body: Any, write: bool, expected: type[BrokerError], code: str | None
) -> None:
    assert type(error_from_reply(http_status, [body], write=write)) is expected


def test_error_message_is_the_brokers() -> None:
    error = error_from_reply(200, type_a("InputException", "quantity is mandatory"), write=True)
    assert error is not None
    assert str(error) == "quantity is mandatory"


def test_problem_body_message_names_the_fields() -> None:
    body = {
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"otp": ["The otp field is required."]},
    }
    error = error_from_reply(400, body, write=False)
    assert error is not None
    assert "otp: The otp field is required." in str(error)


@pytest.mark.parametrize(
    ("header", "expected"), [("3", 3.0), ("0.5", 0.5), (None, 1.0), ("soon", 1.0), ("-2", 1.0)]
)
def test_retry_after(header: str | None, expected: float) -> None:
    error = error_from_reply(429, type_a(None, "Too many requests"), write=True, retry_after=header)
    assert isinstance(error, RateLimited)
    assert error.retry_after == expected


@pytest.mark.parametrize("status", ["success", "true", True, "True", "SUCCESS"])
def test_every_success_spelling_is_success(status: Any) -> None:
    body = {"status": status, "data": {"order_id": "1"}}
    assert is_success(body)
    assert error_from_reply(200, body, write=True) is None
    assert error_from_reply(200, [body], write=True) is None


@pytest.mark.parametrize("status", ["error", "false", False, "False", None])
def test_every_failure_spelling_is_an_error(status: Any) -> None:
    body = {"status": status, "message": "nope", "data": None}
    assert not is_success(body)
    assert error_from_reply(200, body, write=False) is not None


def test_truthy_status_with_error_code_is_an_error() -> None:
    body = {"status": "true", "message": "expired", "errorcode": "IA401", "data": None}
    assert type(error_from_reply(200, body, write=False)) is SessionExpired


def test_success_outside_2xx_is_an_error() -> None:
    assert type(error_from_reply(503, {"status": "success", "data": None}, write=False)) is (
        BrokerUnavailable
    )


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({"status": "success", "data": "None"}, None),
        ({"status": "success", "data": None}, None),
        ({"status": "success", "data": []}, []),
        ([{"status": "success", "data": {"order_id": "7"}}], {"order_id": "7"}),
        ({"status": "success", "data": "Success"}, "Success"),
    ],
)
def test_payload(body: Any, data: Any) -> None:
    assert payload(body) == data


def test_unwrap_leaves_longer_lists() -> None:
    rows = [{"a": 1}, {"a": 2}]
    assert unwrap(rows) is rows


IP_TEXT = "Primary and Secondary IP Address are not matching with current IP address."


@pytest.mark.parametrize("write", [True, False])
def test_a_refused_source_address_is_ip_not_whitelisted(write: bool) -> None:
    error = error_from_reply(
        403, [type_a("APIKeyException", IP_TEXT)], write=write, account="mirae-desk"
    )
    assert isinstance(error, IpNotWhitelisted)
    assert (error.code, error.http_status, error.broker_code) == (
        "IP_NOT_WHITELISTED",
        403,
        "APIKeyException",
    )
    assert not error.retryable
    assert not error.counts_against_breaker
    assert error.account == "mirae-desk"
    assert "'mirae-desk'" in error.message
    assert IP_TEXT in error.message
    assert error.details == {"account": "mirae-desk", "observed_ip": None}


def test_the_other_api_key_refusals_stay_auth_failed() -> None:
    error = error_from_reply(
        403, type_a("APIKeyException", "API is suspended/expired for use."), write=True
    )
    assert type(error) is AuthFailed


def test_ip_rejection_patterns_are_configurable() -> None:
    from ordo.adapters.ip_rejection import IpRejection
    from ordo_adapter_mirae.settings import MiraeSettings
    from pydantic import SecretStr, ValidationError

    settings = MiraeSettings(
        username="u",
        password=SecretStr("p"),
        api_key=SecretStr("k"),
        ip_rejection_patterns=[r"source (\S+) refused"],
    )
    body = type_a("APIKeyException", "source 203.0.113.9 refused")
    error = error_from_reply(
        403,
        body,
        write=True,
        account="m",
        ip_rejection=IpRejection(settings.ip_rejection_patterns),
    )
    assert isinstance(error, IpNotWhitelisted)
    assert error.observed_ip == "203.0.113.9"
    # Only the configured patterns count: the known text is then an API-key refusal again.
    known = error_from_reply(
        403,
        type_a("APIKeyException", IP_TEXT),
        write=True,
        ip_rejection=IpRejection(settings.ip_rejection_patterns),
    )
    assert type(known) is AuthFailed
    with pytest.raises(ValidationError, match="not a regular expression"):
        MiraeSettings(
            username="u",
            password=SecretStr("p"),
            api_key=SecretStr("k"),
            ip_rejection_patterns=["("],
        )
