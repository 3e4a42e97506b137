"""The shared request/response core: headers, envelope parsing, typed errors, retry
decisions. No server: responses are built by hand."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from ordo_client import (
    FanoutResult,
    Funds,
    LegStatus,
    OrderModification,
    OrderRequest,
    OrderResult,
    OrdoAPIError,
    OrdoAuthError,
    OrdoConflictError,
    OrdoConnectionError,
    OrdoNotFoundError,
    OrdoPartialFailureError,
    OrdoRateLimitError,
    OrdoResponseError,
    OrdoServerError,
    OrdoValidationError,
    RetryPolicy,
)
from ordo_client import endpoints as api
from ordo_client.config import resolve_config
from ordo_client.protocol import Call, Outcome, Sleep, Step, exchange
from ordo_client.retry import parse_retry_after

ORDER = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1)


def config(max_attempts: int = 4, **kw: Any) -> Any:
    return resolve_config(
        "http://gw.test/",
        "sekret-token",
        timeout=None,
        verify=True,
        cert=None,
        retry=RetryPolicy(max_attempts=max_attempts, backoff=0.1, seed=7, **kw),
        user_agent="test",
        env={},
    )


def envelope_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    return httpx.Response(status, json=body, headers=headers)


def error_body(code: str, message: str = "nope", rid: str = "rid-1") -> dict[str, Any]:
    return {"status": "error", "request_id": rid, "error_code": code, "message": message}


def placed(account: str = "paper", oid: str = "PB1") -> dict[str, Any]:
    return {
        "account": account,
        "broker": "mock",
        "status": "success",
        "data": {"order_id": oid, "status": "OPEN", "tag": "OABC", "message": ""},
    }


def failed_leg(account: str, code: str, data: Any = None) -> dict[str, Any]:
    return {
        "account": account,
        "broker": "mock",
        "status": "error",
        "error_code": code,
        "message": f"{account}: failed",
        "data": data,
    }


def fanout_body(status: str, legs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": status, "request_id": "rid-f", "results": legs, "message": ""}


class Driver:
    """Drives ``exchange`` with scripted outcomes, recording requests and sleeps."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def run(self, gen: Generator[Step, Outcome, Any]) -> Any:
        step = next(gen)
        while True:
            try:
                if isinstance(step, Sleep):
                    self.sleeps.append(step.seconds)
                    step = gen.send(None)
                    continue
                self.requests.append(step)
                outcome = self.outcomes.pop(0)
                if isinstance(outcome, httpx.Response):
                    outcome.request = step
                step = gen.send(outcome)
            except StopIteration as done:
                return done.value


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("refused")


def read_error() -> httpx.ReadError:
    return httpx.ReadError("reset")


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


def test_all_legs_failed_raises_with_the_per_account_result() -> None:
    legs = [failed_leg("a", "INSUFFICIENT_FUNDS"), failed_leg("b", "INSUFFICIENT_FUNDS")]
    driver = Driver([envelope_response(422, fanout_body("error", legs))])
    with pytest.raises(OrdoValidationError) as info:
        driver.run(exchange(api.place_order(ORDER, ["a", "b"]), config()))
    assert info.value.error_code == "INSUFFICIENT_FUNDS"
    assert info.value.result is not None
    assert [leg.account for leg in info.value.result.failed] == ["a", "b"]
    assert info.value.request_id == "rid-f"


def test_mixed_failure_codes_are_summarised() -> None:
    legs = [failed_leg("a", "INSUFFICIENT_FUNDS"), failed_leg("b", "BROKER_UNAVAILABLE")]
    driver = Driver([envelope_response(502, fanout_body("error", legs))] * 4)
    with pytest.raises(OrdoServerError) as info:
        driver.run(exchange(api.place_order(ORDER, ["a", "b"]), config()))
    assert info.value.error_code == "ALL_ACCOUNTS_FAILED"
    # Every retry reused the one key.
    assert len({r.headers["Idempotency-Key"] for r in driver.requests}) == 1
    assert len(driver.requests) == 4


def test_partial_success_is_returned_and_explicit() -> None:
    rejections = {"rejections": [{"code": "LOT_SIZE", "message": "x", "check": "lot"}]}
    legs = [
        placed("a", "PB7"),
        failed_leg("b", "LOT_SIZE", rejections),
        {**failed_leg("c", "OUTCOME_UNKNOWN"), "status": "unknown", "retryable": False},
    ]
    result = Driver([envelope_response(207, fanout_body("partial", legs))]).run(
        exchange(api.place_order(ORDER, ["a", "b", "c"]), config())
    )
    assert result.status == "partial"
    assert result.http_status == 207
    assert [leg.account for leg in result.succeeded] == ["a"]
    assert [leg.account for leg in result.failed] == ["b"]
    assert [leg.account for leg in result.unknown] == ["c"]
    assert result.order_ids() == {"a": "PB7"}
    assert result.by_account()["b"].data is None
    assert result.by_account()["b"].details == rejections
    assert not result.ok
    with pytest.raises(OrdoPartialFailureError) as info:
        result.raise_for_failures()
    assert [leg.account for leg in info.value.failed] == ["b"]
    assert [leg.account for leg in info.value.unknown] == ["c"]
    assert info.value.error_code == "PARTIAL_FAILURE"
    assert "b: LOT_SIZE" in info.value.message
    assert "c: outcome unknown" in info.value.message


def test_all_unknown_202_is_returned_not_raised() -> None:
    legs = [{**failed_leg("a", "OUTCOME_UNKNOWN"), "status": "unknown"}]
    result = Driver([envelope_response(202, fanout_body("error", legs))]).run(
        exchange(api.place_order(ORDER, ["a"]), config())
    )
    assert result.http_status == 202
    assert result.unknown[0].status is LegStatus.UNKNOWN
    with pytest.raises(OrdoPartialFailureError):
        result.raise_for_failures()


def test_full_success_raise_for_failures_returns_self() -> None:
    result = Driver([envelope_response(200, fanout_body("success", [placed()]))]).run(
        exchange(api.place_order(ORDER, ["paper"]), config())
    )
    assert result.raise_for_failures() is result


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
