"""A per-request deadline on a monotonic clock.

Every stage of the order pipeline (rate-limit queue, retries, reconciliation) takes the same
``Deadline`` so that together they never run past the budget the client was promised.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """An absolute point on ``clock`` (``time.monotonic`` unless a test injects another)."""

    __slots__ = ("_at", "_clock")

    def __init__(self, at: float, *, clock: Clock = time.monotonic) -> None:
        self._at = at
        self._clock = clock

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now (negative values give an expired deadline)."""
        return cls(clock() + seconds, clock=clock)

    @classmethod
    def never(cls, clock: Clock = time.monotonic) -> Deadline:
        """A deadline that never expires, for background work with no client waiting."""
        return cls(math.inf, clock=clock)

    @property
    def at(self) -> float:
        """The absolute expiry instant on this deadline's clock."""
        return self._at

    @property
    def clock(self) -> Clock:
        return self._clock

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._at

    def within(self, seconds: float) -> Deadline:
        """A deadline at most ``seconds`` from now and never later than this one: a stage
        budget that still respects the request's overall deadline."""
        return Deadline(min(self._at, self._clock() + seconds), clock=self._clock)

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining():.3f}s)"
