"""Retry with exponential backoff and full jitter, bounded by a deadline (FR10).

What is retried is decided by the error's class (``ordo.errors``): a write only after
errors that are ``retryable`` (they prove the request did not take effect); an error whose
effect is ``unknown`` is never retried blindly on a write (the orchestrator reconciles by
tag first), but a read may repeat it: see ``READ_RETRY_ON``. An error's ``retry_after``
is honoured, and a wait that would pass the deadline is not made.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ordo.errors import Effect, OrdoError
from ordo.safety.deadline import Deadline

T = TypeVar("T")


class RetryRule:
    """Which errors may be retried, decided from the error classes' attributes.

    ``rule(exc)`` for an error raised, ``cls in rule`` for an error class.
    """

    def __init__(self, name: str, admits: Callable[[type[OrdoError]], bool]) -> None:
        self.name = name
        self._admits = admits

    def __contains__(self, cls: object) -> bool:
        return isinstance(cls, type) and issubclass(cls, OrdoError) and self._admits(cls)

    def __call__(self, exc: BaseException) -> bool:
        return type(exc) in self

    def __repr__(self) -> str:
        return f"<RetryRule {self.name}>"


WRITE_RETRY_ON = RetryRule("writes", lambda cls: cls.retryable)
"""A write (place, modify, cancel) is retried only after errors that prove it did not take
effect."""

READ_RETRY_ON = RetryRule(
    "reads",
    lambda cls: cls.retryable or (cls.effect is Effect.UNKNOWN and cls.counts_against_breaker),
)
"""Repeating a read has no side effect: any transient error will do, whether or not the
first attempt reached the broker."""

# 2**64 times any sane base delay is far beyond max_delay; capping avoids float overflow.
_MAX_EXPONENT = 64


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter (the AWS "full jitter" scheme):
    ``delay(n) = uniform(0, min(max_delay, base_delay * 2**n))``.

    Full jitter spreads the retries of many clients that failed together, so they do not
    hit a recovering broker in lock step. Pass a seeded ``rng`` for reproducible tests.
    """

    base_delay: float = 0.05
    max_delay: float = 2.0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must not be negative")

    def cap(self, attempt: int) -> float:
        """The upper bound of the delay after failed attempt number ``attempt`` (0-based)."""
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        return min(self.max_delay, math.ldexp(self.base_delay, min(attempt, _MAX_EXPONENT)))

    def delay(self, attempt: int) -> float:
        """A jittered delay in ``[0, cap(attempt)]``."""
        return self.rng.uniform(0, self.cap(attempt))


OnRetry = Callable[[int, BaseException, float], None]
"""``on_retry(attempt, error, wait)``: ``attempt`` is the 1-based number of the retry about
to be made, ``wait`` the seconds slept before it."""


async def call_with_retry(
    fn: Callable[[], Awaitable[T]],
    *,
    deadline: Deadline,
    policy: RetryPolicy,
    retry_on: RetryRule = WRITE_RETRY_ON,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: OnRetry | None = None,
) -> T:
    """Await ``fn()`` and retry it on ``retry_on`` errors until it succeeds or the deadline
    would be passed.

    An error with a ``retry_after`` waits at least that long. When the next wait would end
    at or past the deadline, the last error is re-raised at once: this function never sleeps
    past the deadline. Errors ``retry_on`` refuses propagate immediately.
    """
    attempt = 0
    while True:
        try:
            return await fn()
        except Exception as exc:
            if not retry_on(exc):
                raise
            wait = policy.delay(attempt)
            if isinstance(exc, OrdoError) and exc.retry_after is not None:
                wait = max(wait, exc.retry_after)
            if wait >= deadline.remaining():
                raise
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            await sleep(wait)
