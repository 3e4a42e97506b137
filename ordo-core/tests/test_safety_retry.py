"""Retry policy: full jitter, deadline-bounded, only for the errors that allow it."""

from __future__ import annotations

import asyncio
import random

import pytest
from ordo.adapters.errors import (
    BrokerUnavailable,
    InsufficientFunds,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
)
from ordo.safety.deadline import Deadline
from ordo.safety.retry import READ_RETRY_ON, WRITE_RETRY_ON, RetryPolicy, call_with_retry


class FakeTime:
    """A clock and a sleep that advances it: retries run instantly and deterministically."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky:
    """Fails with the given errors in turn, then returns ``result``."""

    def __init__(self, errors: list[BaseException], result: str = "ok") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


def test_delay_is_full_jitter_under_an_exponential_cap() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=1.0, rng=random.Random(7))
    assert [policy.cap(n) for n in range(6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    for attempt in range(8):
        samples = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= s <= policy.cap(attempt) for s in samples)
        # Full jitter: spread over the whole range, not bunched near the cap.
        assert min(samples) < policy.cap(attempt) * 0.1
        assert max(samples) > policy.cap(attempt) * 0.9
    assert policy.cap(10_000) == 1.0


def test_delays_are_reproducible_with_a_seed() -> None:
    a = RetryPolicy(rng=random.Random(42))
    b = RetryPolicy(rng=random.Random(42))
    assert [a.delay(n) for n in range(10)] == [b.delay(n) for n in range(10)]


def test_invalid_policy_values() -> None:
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_delay=-1)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy().cap(-1)


async def test_retries_broker_unavailable_until_success() -> None:
    t = FakeTime()
    fn = Flaky([BrokerUnavailable("down"), BrokerUnavailable("down")])
    seen: list[tuple[int, str, float]] = []
    result = await call_with_retry(
        fn,
        deadline=Deadline.after(10, clock=t.clock),
        policy=RetryPolicy(rng=random.Random(1)),
        sleep=t.sleep,
        on_retry=lambda n, exc, wait: seen.append((n, type(exc).__name__, wait)),
    )
    assert result == "ok"
    assert fn.calls == 3
    assert [(n, name) for n, name, _ in seen] == [
        (1, "BrokerUnavailable"),
        (2, "BrokerUnavailable"),
    ]
    assert [w for _, _, w in seen] == t.sleeps
    assert t.sleeps[0] <= 0.05
    assert t.sleeps[1] <= 0.1


async def test_rate_limited_waits_at_least_retry_after() -> None:
    t = FakeTime()
    fn = Flaky([RateLimited("slow down", retry_after=1.5)])
    result = await call_with_retry(
        fn,
        deadline=Deadline.after(10, clock=t.clock),
        policy=RetryPolicy(rng=random.Random(3)),
        sleep=t.sleep,
    )
    assert result == "ok"
    assert t.sleeps == [1.5]


@pytest.mark.parametrize(
    "error", [OutcomeUnknown("lost reply"), OrderRejected("no"), InsufficientFunds("poor")]
)
async def test_writes_never_retry_other_errors(error: Exception) -> None:
    t = FakeTime()
    fn = Flaky([error])
    with pytest.raises(type(error)):
        await call_with_retry(
            fn,
            deadline=Deadline.after(10, clock=t.clock),
            policy=RetryPolicy(rng=random.Random(0)),
            sleep=t.sleep,
        )
    assert fn.calls == 1
    assert t.sleeps == []


async def test_reads_retry_outcome_unknown() -> None:
    t = FakeTime()
    fn = Flaky([OutcomeUnknown("timeout"), BrokerUnavailable("502")])
    result = await call_with_retry(
        fn,
        deadline=Deadline.after(10, clock=t.clock),
        policy=RetryPolicy(rng=random.Random(0)),
        retry_on=READ_RETRY_ON,
        sleep=t.sleep,
    )
    assert result == "ok"
    assert fn.calls == 3
    assert OutcomeUnknown not in WRITE_RETRY_ON


async def test_never_sleeps_past_the_deadline() -> None:
    t = FakeTime()
    deadline = Deadline.after(1.0, clock=t.clock)
    fn = Flaky([BrokerUnavailable("down")] * 1000)
    with pytest.raises(BrokerUnavailable):
        await call_with_retry(
            fn,
            deadline=deadline,
            policy=RetryPolicy(base_delay=0.05, max_delay=0.4, rng=random.Random(5)),
            sleep=t.sleep,
        )
    assert t.now < 1.0
    assert sum(t.sleeps) < 1.0
    assert fn.calls == len(t.sleeps) + 1
    assert fn.calls > 3


async def test_retry_after_beyond_the_deadline_fails_at_once() -> None:
    t = FakeTime()
    error = RateLimited("wait a minute", retry_after=60)
    fn = Flaky([error])
    with pytest.raises(RateLimited) as caught:
        await call_with_retry(
            fn,
            deadline=Deadline.after(10, clock=t.clock),
            policy=RetryPolicy(rng=random.Random(0)),
            sleep=t.sleep,
        )
    assert caught.value is error
    assert t.sleeps == []
    assert fn.calls == 1


async def test_cancellation_is_not_retried() -> None:
    t = FakeTime()

    async def cancelled() -> str:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await call_with_retry(
            cancelled,
            deadline=Deadline.after(10, clock=t.clock),
            policy=RetryPolicy(rng=random.Random(0)),
            sleep=t.sleep,
        )
    assert t.sleeps == []
