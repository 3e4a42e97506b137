"""When and how long to wait before retrying a request.

Retries are safe because every order call carries an ``Idempotency-Key`` that stays the same
across attempts: the gateway answers a repeated key with the first response and never places
a second order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

import httpx

RETRYABLE_SERVER_STATUSES = frozenset({502, 503, 504})


class RetryMode(Enum):
    """How much of a call may be repeated."""

    SAFE = "safe"
    """Reads and idempotent writes (orders with a key, kill switch, logout): retry connection
    failures, 409 in flight, 429 and 502/503/504."""
    CONNECT_ONLY = "connect_only"
    """Non-idempotent calls (a login answer is consumed, a resend sends another OTP): retry
    only failures that prove the request never reached the server, and 429."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    ``max_attempts`` counts the first try (1 disables retries). A ``Retry-After`` longer than
    ``max_retry_after`` seconds is not waited for: the error is raised instead.
    ``seed`` makes the jitter reproducible (tests).
    """

    max_attempts: int = 4
    backoff: float = 0.25
    max_backoff: float = 5.0
    max_retry_after: float = 30.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("backoff, max_backoff and max_retry_after must not be negative")

    def rng(self) -> random.Random:
        # Jitter, not security: a seeded PRNG is what makes tests reproducible.
        return random.Random(self.seed)  # noqa: S311

    def backoff_delay(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_backoff, backoff * 2**(attempt-1)))."""
        ceiling = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)

    def delay_after_status(
        self,
        status_code: int,
        retry_after: float | None,
        *,
        attempt: int,
        mode: RetryMode,
        keyed: bool,
        rng: random.Random,
    ) -> float | None:
        """Seconds to wait before the next attempt after an error status, or ``None`` to
        give up. Any 4xx other than 409 (in flight, keyed calls only) and 429 is final."""
        if attempt >= self.max_attempts or not retryable_status(status_code, mode, keyed):
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(retry_after, self.backoff_delay(attempt, rng))
        return self.backoff_delay(attempt, rng)

    def delay_after_transport_error(
        self, error: httpx.RequestError, *, attempt: int, mode: RetryMode, rng: random.Random
    ) -> float | None:
        """Seconds to wait after a connection failure, or ``None`` to give up."""
        if attempt >= self.max_attempts:
            return None
        if mode is RetryMode.CONNECT_ONLY and not never_sent(error):
            return None
        return self.backoff_delay(attempt, rng)


def retryable_status(status_code: int, mode: RetryMode, keyed: bool) -> bool:
    """429 always (the request was refused, not run); for safe calls also 502/503/504, and
    409 when the call carries an idempotency key (the same key is still in flight)."""
    if status_code == 429:
        return True
    if mode is RetryMode.CONNECT_ONLY:
        return False
    if status_code == 409:
        return keyed
    return status_code in RETRYABLE_SERVER_STATUSES


def never_sent(error: httpx.RequestError) -> bool:
    """True when the failure proves the request never reached the server."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date. ``None`` if absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
