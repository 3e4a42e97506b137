"""The shared request/response core: headers, envelope parsing, typed errors, retry
decisions. No server: responses are built by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import httpx
import pytest
from ordo_client import (
    FanoutResult,
    Funds,
    OrderModification,
    OrderRequest,
    OrderResult,
    OrdoAPIError,
    OrdoAuthError,
    OrdoConflictError,
    OrdoConnectionError,
    OrdoNotFoundError,
    OrdoRateLimitError,
    OrdoResponseError,
    OrdoServerError,
    OrdoValidationError,
    RetryPolicy,
)
from ordo_client import endpoints as api
from ordo_client.protocol import Call, exchange
from ordo_client.retry import parse_retry_after

from .scripted import (
    ORDER,
    Driver,
    config,
    connect_error,
    envelope_response,
    error_body,
    fanout_body,
    placed,
    read_error,
)


def test_request_carries_auth_key_and_json_body() -> None:
    call = api.place_order(ORDER, ["paper", "desk"], idempotency_key="key-1")
    driver = Driver([envelope_response(200, fanout_body("success", [placed()]))])
    result = driver.run(exchange(call, config()))
    request = driver.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "http://gw.test/api/v1/orders"
    assert request.headers["Authorization"] == "Bearer sekret-token"
    assert request.headers["Idempotency-Key"] == "key-1"
    body = json.loads(request.content)
    assert body["accounts"] == ["paper", "desk"]
    assert body["symbol"] == "SBIN"
    assert body["price"] is None
    assert isinstance(result, OrderResult)
    assert result.idempotency_key == "key-1"
    assert result.order_ids() == {"paper": "PB1"}


def test_decimal_prices_are_sent_as_exact_strings() -> None:
    order = OrderRequest(
        exchange="NSE", symbol="SBIN", side="BUY", quantity=1, order_type="LIMIT", price="812.35"
    )
    call = api.place_order(order, "paper")
    assert call.body["price"] == "812.35"
    assert call.body["accounts"] == ["paper"]


def test_generated_keys_are_unique_per_call_and_kept_on_the_call() -> None:
    first = api.place_order(ORDER, "paper")
    second = api.place_order(ORDER, "paper")
    assert first.idempotency_key
    assert second.idempotency_key
    assert first.idempotency_key != second.idempotency_key


def test_path_parameters_cannot_add_segments() -> None:
    call = api.get_order("paper", "../funds")
    assert call.path == "/api/v1/orders/paper/..%2Ffunds"


def test_accounts_query_joins_lists() -> None:
    assert api.funds(["a", "b"]).params == {"accounts": "a,b"}
    assert api.funds("a, b").params == {"accounts": "a,b"}
    assert api.funds().params == {}
    assert api.quotes(["NSE:SBIN", "NSE:INFY"]).params == {"symbols": "NSE:SBIN,NSE:INFY"}


def test_place_order_needs_an_account() -> None:
    with pytest.raises(ValueError, match="at least one account"):
        api.place_order(ORDER, [])


def test_fanout_decimals_parse_as_decimal() -> None:
    legs = [
        {
            "account": "paper",
            "broker": "mock",
            "status": "success",
            "data": {"available": "812.35", "total": "1000", "used": "187.65"},
        }
    ]
    result = Driver([envelope_response(200, fanout_body("success", legs))]).run(
        exchange(api.funds(), config())
    )
    assert isinstance(result, FanoutResult)
    funds = result.data()["paper"]
    assert isinstance(funds, Funds)
    assert funds.available == Decimal("812.35")
    assert funds.used + funds.available == Decimal("1000.00")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, OrdoValidationError),
        (401, OrdoAuthError),
        (403, OrdoAuthError),
        (404, OrdoNotFoundError),
        (422, OrdoValidationError),
        (423, OrdoValidationError),
        (500, OrdoServerError),
    ],
)
def test_error_statuses_raise_typed_errors_without_retry(
    status: int, cls: type[OrdoAPIError]
) -> None:
    driver = Driver([envelope_response(status, error_body("SOME_CODE", "told you", "rid-9"))])
    with pytest.raises(cls) as info:
        driver.run(exchange(api.health(), config()))
    assert info.value.error_code == "SOME_CODE"
    assert info.value.message == "told you"
    assert info.value.request_id == "rid-9"
    assert info.value.status_code == status
    assert len(driver.requests) == 1
    assert "sekret-token" not in repr(info.value) + str(info.value)


def test_connection_errors_retry_with_the_same_key_until_success() -> None:
    call = api.place_order(ORDER, ["paper"])
    driver = Driver(
        [connect_error(), read_error(), envelope_response(200, fanout_body("success", [placed()]))]
    )
    result = driver.run(exchange(call, config()))
    keys = {r.headers["Idempotency-Key"] for r in driver.requests}
    assert keys == {call.idempotency_key}
    assert len(driver.requests) == 3
    assert len(driver.sleeps) == 2
    assert all(0 <= s <= 0.2 for s in driver.sleeps)
    assert result.ok


def test_connection_errors_exhaust_attempts() -> None:
    call = api.place_order(ORDER, ["paper"], idempotency_key="k-exhaust")
    driver = Driver([read_error()] * 3)
    with pytest.raises(OrdoConnectionError) as info:
        driver.run(exchange(call, config(max_attempts=3)))
    assert info.value.attempts == 3
    assert info.value.idempotency_key == "k-exhaust"
    assert len(driver.requests) == 3


def test_in_flight_409_honours_retry_after_then_succeeds() -> None:
    call = api.place_order(ORDER, ["paper"])
    driver = Driver(
        [
            envelope_response(409, error_body("IDEMPOTENCY_IN_FLIGHT"), {"Retry-After": "2"}),
            envelope_response(200, fanout_body("success", [placed()])),
        ]
    )
    assert driver.run(exchange(call, config())).ok
    assert driver.sleeps[0] >= 2.0
    assert driver.requests[0].headers["Idempotency-Key"] == call.idempotency_key
    assert driver.requests[1].headers["Idempotency-Key"] == call.idempotency_key


def test_409_on_an_unkeyed_call_is_final() -> None:
    driver = Driver([envelope_response(409, error_body("CONFLICT"))])
    with pytest.raises(OrdoConflictError):
        driver.run(exchange(api.engage_kill_switch("why"), config()))
    assert len(driver.requests) == 1


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    driver = Driver([envelope_response(429, error_body("RATE_LIMITED"), {"Retry-After": "120"})])
    with pytest.raises(OrdoRateLimitError) as info:
        driver.run(exchange(api.funds(), config()))
    assert info.value.retry_after == 120.0
    assert driver.sleeps == []


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(status: int) -> None:
    driver = Driver(
        [
            envelope_response(status, error_body("BROKER_UNAVAILABLE")),
            envelope_response(200, {"status": "success", "request_id": "r", "data": {}}),
        ]
    )
    call = Call("GET", "/x", lambda reply: reply.body["data"])
    assert driver.run(exchange(call, config())) == {}
    assert len(driver.requests) == 2


def test_gateway_errors_give_up_after_max_attempts() -> None:
    driver = Driver([envelope_response(503, error_body("BROKER_UNAVAILABLE"))] * 2)
    with pytest.raises(OrdoServerError):
        driver.run(exchange(api.funds(), config(max_attempts=2)))
    assert len(driver.requests) == 2


def test_login_answers_are_not_resent_after_the_server_may_have_seen_them() -> None:
    call = api.answer_challenge("paper", "c1", "123456")
    driver = Driver([read_error()])
    with pytest.raises(OrdoConnectionError) as info:
        driver.run(exchange(call, config()))
    assert len(driver.requests) == 1
    assert "123456" not in str(info.value)


def test_login_answers_are_resent_when_the_connection_never_opened() -> None:
    call = api.answer_challenge("paper", "c1", "123456")
    ok = {"status": "success", "request_id": "r", "data": {"state": "active"}}
    driver = Driver([connect_error(), envelope_response(200, ok)])
    assert driver.run(exchange(call, config())).active
    assert len(driver.requests) == 2


def test_login_answers_are_not_retried_on_503() -> None:
    driver = Driver([envelope_response(503, error_body("BROKER_UNAVAILABLE"))])
    with pytest.raises(OrdoServerError):
        driver.run(exchange(api.login("paper"), config()))
    assert len(driver.requests) == 1


def test_non_envelope_error_body_still_raises_typed_error() -> None:
    html = httpx.Response(502, text="<html>bad gateway</html>", headers={"X-Request-ID": "px"})
    driver = Driver([html] * 4)
    with pytest.raises(OrdoServerError) as info:
        driver.run(exchange(api.funds(), config()))
    assert info.value.error_code == "HTTP_502"
    assert info.value.request_id == "px"


def test_unreadable_success_body_raises_response_error() -> None:
    driver = Driver([envelope_response(200, {"status": "success", "request_id": "r", "data": 5})])
    with pytest.raises(OrdoResponseError) as info:
        driver.run(exchange(api.health(), config()))
    assert info.value.request_id == "r"


def test_backoff_is_full_jitter_bounded_and_seeded() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=3.0, seed=3)
    first = [policy.backoff_delay(n, rng) for rng in [policy.rng()] for n in range(1, 6)]
    again = [policy.backoff_delay(n, rng) for rng in [policy.rng()] for n in range(1, 6)]
    assert first == again
    assert all(0 <= d <= c for d, c in zip(first, [1, 2, 3, 3, 3], strict=True))


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 6, 9, 15, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(now + timedelta(seconds=5), usegmt=True)
    assert parse_retry_after(later, now=now) == 5.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now) == 0


def test_modification_sends_only_the_fields_set() -> None:
    call = api.modify_order("paper", "PB1", OrderModification(price="801.5"))
    assert call.body == {"price": "801.5"}
    assert call.idempotency_key
    with pytest.raises(ValueError, match="at least one field"):
        api.modify_order("paper", "PB1", OrderModification())
