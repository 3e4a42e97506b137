"""Table-driven tests of the reply -> BrokerError mapping."""

from __future__ import annotations

from typing import Any

import pytest
from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo_adapter_hdfc.errors import (
    PROTO_ERROR_CODES,
    CallKind,
    Reply,
    classify,
    rejection_error,
)

R, W, L = CallKind.READ, CallKind.WRITE, CallKind.LOGIN
ERR = {"status": "error", "message": "x"}

CASES: list[tuple[int, Any, CallKind, type[BrokerError] | None]] = [
    (200, {"status": "success", "data": []}, R, None),
    (200, {"data": [], "meta": {"statusCode": "OK", "statusMsg": "OK"}}, R, None),
    (200, {"tokenId": "abc"}, L, None),
    # errors that arrive with HTTP 200
    (200, {"status": "error", "message": "Invalid security id"}, W, InvalidRequest),
    (200, {"status": "error", "message": "RMS: order rejected"}, W, OrderRejected),
    (200, {"error": "token expired"}, R, SessionExpired),
    (200, {"data": [], "meta": {"statusCode": "ERR", "statusMsg": "bad"}}, R, InvalidRequest),
    # session expiry: status codes and phrases, with or without a status key
    (401, {"message": "Token expired"}, R, SessionExpired),
    (401, None, W, SessionExpired),
    (403, {"status": "error", "message": "Forbidden"}, R, SessionExpired),
    (400, {"error": "Invalid token"}, R, SessionExpired),
    (400, {"message": "session expired"}, W, SessionExpired),
    (400, {"message": "invalid api_key"}, R, SessionExpired),
    # during login the same refusals mean bad credentials
    (401, {"status": "error", "message": "Invalid OTP"}, L, AuthFailed),
    (401, {"error": "Invalid api_key"}, L, AuthFailed),
    (400, {"error": "token id expired"}, L, AuthFailed),
    (429, {"error": "merchantKeyRateLimit - too many requests"}, L, RateLimited),
    (503, None, L, BrokerUnavailable),
    # 400 / 404 / 422
    (400, {"status": "error", "message": "maximum 10 items allowed"}, R, InvalidRequest),
    (400, {"status": "error", "message": "something odd"}, W, InvalidRequest),
    (404, None, R, InvalidRequest),
    (
        422,
        {"status": "error", "message": "Price is not a multiple of tick size"},
        W,
        InvalidRequest,
    ),
    (422, {"status": "error", "message": "Insufficient funds"}, W, InsufficientFunds),
    (
        422,
        {"status": "error", "message": "Order cannot be modified in Traded status"},
        W,
        OrderRejected,
    ),
    (422, {"status": "error", "message": "Order is not pending"}, R, InvalidRequest),
    # throttling and server failures: reads retryable, writes unknown
    (429, {"error": "merchantKeyRateLimit - too many requests"}, R, RateLimited),
    (429, None, W, RateLimited),
    (500, ERR, R, BrokerUnavailable),
    (502, None, R, BrokerUnavailable),
    (503, None, R, BrokerUnavailable),
    (504, None, R, BrokerUnavailable),
    (500, ERR, W, OutcomeUnknown),
    (502, None, W, OutcomeUnknown),
    (503, None, W, OutcomeUnknown),
    (504, None, W, OutcomeUnknown),
]


@pytest.mark.parametrize(("status", "body", "kind", "expected"), CASES)
def test_classify(
    status: int, body: Any, kind: CallKind, expected: type[BrokerError] | None
) -> None:
    error = classify(Reply(status, body, "" if body is None else str(body)), kind)
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected, f"{status} {body} -> {type(error).__name__}"


def test_not_found_class_is_chosen_by_the_caller() -> None:
    error = classify(
        Reply(404, {"status": "error", "message": "Order not found"}), W, not_found=OrderNotFound
    )
    assert isinstance(error, OrderNotFound)


def test_gateway_html_is_not_used_as_a_message() -> None:
    error = classify(Reply(404, None, "<html><h1>404</h1></html>"), R)
    assert error is not None
    assert error.message == "HTTP 404"


def test_retry_after_comes_from_the_header_or_the_default() -> None:
    limited = classify(Reply(429, None, "", {"retry-after": "2.5"}), R)
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 2.5
    default = classify(Reply(429, None, ""), R, default_retry_after=0.75)
    assert isinstance(default, RateLimited)
    assert default.retry_after == 0.75
    garbage = classify(Reply(429, None, "", {"retry-after": "soon"}), R)
    assert isinstance(garbage, RateLimited)
    assert garbage.retry_after == 1.0


@pytest.mark.parametrize(("name", "entry"), sorted(PROTO_ERROR_CODES.items()))
def test_every_proto_error_code_maps_by_name_and_number(
    name: str, entry: tuple[int, type[BrokerError]]
) -> None:
    number, cls = entry
    for message in (f"rejected: {name}", f"rejected with code {number}"):
        error = classify(Reply(422, {"status": "error", "message": message}), W)
        assert type(error) is cls
        assert error is not None
        assert error.broker_code == name


def test_long_messages_are_shortened() -> None:
    error = classify(Reply(400, {"message": "x" * 1000}), R)
    assert error is not None
    assert len(error.message) == 200


def test_rejection_error_keeps_the_status_message() -> None:
    error = rejection_error("RMS:Margin Exceeds, Required:10, Available:5")
    assert isinstance(error, OrderRejected)
    assert "Margin Exceeds" in error.message
    assert rejection_error("").message == "order rejected by the broker"


FAKE_IP_TEXT = (
    "Orders are accepted only from the registered static IP; "
    "request IP 127.0.0.3 is not whitelisted for this API key"
)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, {"status": "error", "message": FAKE_IP_TEXT}, W),  # the fake's answer
        (200, {"status": "error", "message": FAKE_IP_TEXT}, W),  # as an HTTP-200 error
        (401, {"error": "Static IP not whitelisted"}, R),
        (403, {"status": "error", "message": "IP (203.0.113.7) is not allowed"}, L),
    ],
)
def test_a_refused_source_address_is_ip_not_whitelisted(
    status: int, body: Any, kind: CallKind
) -> None:
    from ordo.adapters.errors import IpNotWhitelisted

    error = classify(Reply(status, body), kind, account="hdfc-desk")
    assert isinstance(error, IpNotWhitelisted)  # before the 401/403 -> session rule
    assert error.code == "IP_NOT_WHITELISTED"
    assert error.http_status == 403
    assert not error.retryable
    assert not error.counts_against_breaker
    assert error.account == "hdfc-desk"
    assert "'hdfc-desk'" in error.message


def test_the_observed_ip_comes_from_the_text_and_patterns_are_a_setting() -> None:
    from ordo.adapters.errors import IpNotWhitelisted
    from ordo.adapters.ip_rejection import IpRejection
    from ordo_adapter_hdfc.settings import HdfcSettings
    from pydantic import SecretStr, ValidationError

    error = classify(Reply(403, {"status": "error", "message": FAKE_IP_TEXT}), W, account="h")
    assert isinstance(error, IpNotWhitelisted)
    assert error.observed_ip == "127.0.0.3"
    secrets = {"api_key": SecretStr("k"), "api_secret": SecretStr("s")}
    settings = HdfcSettings(**secrets, ip_rejection_patterns=[r"ip blocked"])
    custom = IpRejection(settings.ip_rejection_patterns)
    reply = Reply(403, {"status": "error", "message": "IP blocked for orders"})
    assert isinstance(classify(reply, W, ip_rejection=custom), IpNotWhitelisted)
    assert type(classify(reply, W)) is SessionExpired  # the defaults do not know that text
    with pytest.raises(ValidationError, match="not a regular expression"):
        HdfcSettings(**secrets, ip_rejection_patterns=["(?P<"])
