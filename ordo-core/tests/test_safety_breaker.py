"""Per-account circuit breaker: sliding failure window, business errors ignored, one probe."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from ordo.adapters.errors import (
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderRejected,
    OutcomeUnknown,
    SessionExpired,
)
from ordo.errors import CircuitOpen
from ordo.safety.breaker import AccountBreaker, BreakerState


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: FakeClock, transitions: list[tuple[str, str, str]] | None = None) -> AccountBreaker:
    return AccountBreaker(
        "fyers-main",
        fail_max=3,
        window_seconds=10,
        reset_seconds=30,
        clock=clock,
        wall_clock=lambda: datetime(2025, 1, 30, 9, 15, tzinfo=UTC),
        on_transition=(lambda a, o, n: transitions.append((a, o, n)))
        if transitions is not None
        else None,
    )


async def ok() -> str:
    return "ok"


def failing(error: BaseException) -> Callable[[], Awaitable[str]]:
    async def fn() -> str:
        raise error

    return fn


async def fail(breaker: AccountBreaker, error: BaseException | None = None) -> None:
    with pytest.raises(BrokerError):
        await breaker.call(failing(error or BrokerUnavailable("down")))


def state_of(breaker: AccountBreaker) -> BreakerState:
    """Reads the state afresh: mypy would keep ``breaker.state`` narrowed by an earlier
    assert, though calls and the clock move it on."""
    return breaker.state


async def test_opens_after_fail_max_failures_within_the_window() -> None:
    clock = FakeClock()
    transitions: list[tuple[str, str, str]] = []
    breaker = make(clock, transitions)
    await fail(breaker)
    clock.now += 4
    await fail(breaker, OutcomeUnknown("timeout"))
    assert breaker.state == "CLOSED"
    assert breaker.failures_in_window() == 2
    clock.now += 4
    await fail(breaker)
    assert state_of(breaker) == "OPEN"
    assert transitions == [("fyers-main", "CLOSED", "OPEN")]

    calls = 0

    async def counted() -> str:
        nonlocal calls
        calls += 1
        return "ok"

    with pytest.raises(CircuitOpen) as caught:
        await breaker.call(counted)
    assert calls == 0
    assert caught.value.code == "BROKER_CIRCUIT_OPEN"
    assert caught.value.http_status == 503
    assert caught.value.retryable is False
    assert caught.value.retry_after == pytest.approx(30)
    clock.now += 10
    with pytest.raises(CircuitOpen) as caught:
        await breaker.call(counted)
    assert caught.value.retry_after == pytest.approx(20)
    assert calls == 0


async def test_failures_outside_the_window_slide_out() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(10):
        await fail(breaker)
        clock.now += 5.1  # never three within 10 s
    assert breaker.state == "CLOSED"
    assert breaker.failures_in_window() == 1


async def test_successes_do_not_reset_the_window() -> None:
    # N failures within M seconds, not N consecutive failures.
    clock = FakeClock()
    breaker = make(clock)
    await fail(breaker)
    assert await breaker.call(ok) == "ok"
    await fail(breaker)
    assert await breaker.call(ok) == "ok"
    await fail(breaker)
    assert breaker.state == "OPEN"


@pytest.mark.parametrize(
    "error",
    [
        OrderRejected("RMS"),
        InstrumentNotFound("XYZ"),
        InsufficientFunds("poor"),
        InvalidRequest("bad qty"),
        SessionExpired("log in"),
        ValueError("a bug of ours"),
    ],
)
async def test_business_errors_never_count(error: Exception) -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(20):
        with pytest.raises(type(error)):
            await breaker.call(failing(error))
    assert breaker.state == "CLOSED"
    assert breaker.failures_in_window() == 0
    assert breaker.snapshot()["total_failures"] == 0


async def test_half_open_lets_exactly_one_probe_and_a_good_probe_closes() -> None:
    clock = FakeClock()
    transitions: list[tuple[str, str, str]] = []
    breaker = make(clock, transitions)
    for _ in range(3):
        await fail(breaker)
    clock.now += 30
    assert breaker.state == "HALF-OPEN"

    release = asyncio.Event()
    probes = 0

    async def slow_probe() -> str:
        nonlocal probes
        probes += 1
        await release.wait()
        return "ok"

    probe = asyncio.create_task(breaker.call(slow_probe))
    await asyncio.sleep(0)
    assert probes == 1
    # Concurrent callers during the probe are refused without reaching the broker.
    for _ in range(5):
        with pytest.raises(CircuitOpen) as caught:
            await breaker.call(slow_probe)
        assert 0 < caught.value.retry_after <= 1.0
    assert probes == 1
    release.set()
    assert await probe == "ok"
    assert state_of(breaker) == "CLOSED"
    assert await breaker.call(ok) == "ok"
    assert transitions == [
        ("fyers-main", "CLOSED", "OPEN"),
        ("fyers-main", "OPEN", "HALF-OPEN"),
        ("fyers-main", "HALF-OPEN", "CLOSED"),
    ]
    # The window starts afresh after closing.
    await fail(breaker)
    await fail(breaker)
    assert state_of(breaker) == "CLOSED"


async def test_a_bad_probe_reopens_for_another_reset_period() -> None:
    clock = FakeClock()
    transitions: list[tuple[str, str, str]] = []
    breaker = make(clock, transitions)
    for _ in range(3):
        await fail(breaker)
    clock.now += 31
    await fail(breaker, BrokerUnavailable("still down"))
    assert breaker.state == "OPEN"
    with pytest.raises(CircuitOpen) as caught:
        await breaker.call(ok)
    assert caught.value.retry_after == pytest.approx(30)
    assert transitions[-2:] == [
        ("fyers-main", "OPEN", "HALF-OPEN"),
        ("fyers-main", "HALF-OPEN", "OPEN"),
    ]
    assert breaker.snapshot()["total_opens"] == 2


async def test_a_business_error_probe_closes_the_breaker() -> None:
    # The broker answered, so it is reachable again.
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.now += 30
    with pytest.raises(OrderRejected):
        await breaker.call(failing(OrderRejected("price band")))
    assert breaker.state == "CLOSED"


async def test_a_cancelled_probe_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = make(clock)
    for _ in range(3):
        await fail(breaker)
    clock.now += 30

    async def hang() -> str:
        await asyncio.Event().wait()
        return "never"

    probe = asyncio.create_task(breaker.call(hang))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert breaker.state == "HALF-OPEN"
    assert await breaker.call(ok) == "ok"
    assert state_of(breaker) == "CLOSED"


async def test_late_results_of_calls_started_before_opening_are_ignored() -> None:
    clock = FakeClock()
    breaker = make(clock)
    release = asyncio.Event()

    async def slow_success() -> str:
        await release.wait()
        return "late"

    early = asyncio.create_task(breaker.call(slow_success))
    await asyncio.sleep(0)
    for _ in range(3):
        await fail(breaker)
    assert breaker.state == "OPEN"
    release.set()
    assert await early == "late"
    assert breaker.state == "OPEN"  # only the probe may close it


async def test_snapshot_reports_state_and_counters() -> None:
    clock = FakeClock()
    breaker = make(clock)
    assert await breaker.call(ok) == "ok"
    await fail(breaker)
    snap = breaker.snapshot()
    assert snap["state"] == "CLOSED"
    assert snap["failures_in_window"] == 1
    assert snap["opened_at"] is None
    assert snap["retry_after"] == 0.0
    for _ in range(2):
        await fail(breaker)
    with pytest.raises(CircuitOpen):
        await breaker.call(ok)
    clock.now += 12.5
    snap = breaker.snapshot()
    assert snap == {
        "account": "fyers-main",
        "state": "OPEN",
        "failures_in_window": 0,
        "fail_max": 3,
        "window_seconds": 10,
        "reset_seconds": 30,
        "opened_at": "2025-01-30T09:15:00+00:00",
        "retry_after": 17.5,
        "probe_running": False,
        "total_calls": 4,
        "total_successes": 1,
        "total_failures": 3,
        "total_rejected": 1,
        "total_opens": 1,
    }


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="fail_max"):
        AccountBreaker("a", fail_max=0, window_seconds=1, reset_seconds=1)
    with pytest.raises(ValueError, match="window_seconds"):
        AccountBreaker("a", fail_max=1, window_seconds=0, reset_seconds=1)
