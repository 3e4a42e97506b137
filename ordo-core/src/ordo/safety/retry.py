"""Retry with exponential backoff and full jitter, bounded by a deadline (FR10).

Only errors that prove the request did not take effect are retried for writes
(``BrokerUnavailable``, ``RateLimited``); ``OutcomeUnknown`` is never retried blindly on a
write (the orchestrator reconciles by tag first), but reads may retry it: see
``READ_RETRY_ON``.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ordo.adapters.errors import BrokerUnavailable, OutcomeUnknown, RateLimited
from ordo.safety.deadline import Deadline

T = TypeVar("T")

WRITE_RETRY_ON: tuple[type[BaseException], ...] = (BrokerUnavailable, RateLimited)
"""Errors after which a write (place, modify, cancel) provably did not take effect."""

READ_RETRY_ON: tuple[type[BaseException], ...] = (BrokerUnavailable, RateLimited, OutcomeUnknown)
"""Errors a read may retry: repeating a read has no side effect, so any transient error will do."""

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
    retry_on: tuple[type[BaseException], ...] = WRITE_RETRY_ON,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: OnRetry | None = None,
) -> T:
    """Await ``fn()`` and retry it on ``retry_on`` errors until it succeeds or the deadline
    would be passed.

    A ``RateLimited`` error waits at least its ``retry_after``. When the next wait would end
    at or past the deadline, the last error is re-raised at once: this function never sleeps
    past the deadline. Errors not in ``retry_on`` propagate immediately.
    """
    attempt = 0
    while True:
        try:
            return await fn()
        except retry_on as exc:
            wait = policy.delay(attempt)
            if isinstance(exc, RateLimited):
                wait = max(wait, exc.retry_after)
            if wait >= deadline.remaining():
                raise
            attempt += 1
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            await sleep(wait)
