"""Fan-out answers: all failed, partial, all unknown, full success."""

from __future__ import annotations

import pytest
from ordo_client import (
    LegStatus,
    OrdoPartialFailureError,
    OrdoServerError,
    OrdoValidationError,
)
from ordo_client import endpoints as api
from ordo_client.protocol import exchange

from .scripted import (
    ORDER,
    Driver,
    config,
    envelope_response,
    failed_leg,
    fanout_body,
    placed,
)


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
