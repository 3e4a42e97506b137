"""The sliding-window log behind each quota of ``AccountLimiter`` (see ``limiter``)."""

from __future__ import annotations

from collections import deque

from ordo.adapters.base import RateLimit


class WindowLog:
    """Sliding-window log of one ``RateLimit``: the instants of the grants that may still
    count, oldest first."""

    __slots__ = ("grants", "limit", "span")

    def __init__(self, limit: RateLimit, margin: float) -> None:
        if limit.max_calls < 1 or limit.period <= 0:
            raise ValueError(f"invalid rate limit {limit!r}")
        self.limit = limit
        self.span = limit.period + margin
        self.grants: deque[float] = deque()

    def prune(self, now: float) -> None:
        horizon = now - self.span
        while self.grants and self.grants[0] <= horizon:
            self.grants.popleft()

    def ready_at(self, now: float) -> float:
        """The earliest instant a new grant fits in this window."""
        self.prune(now)
        if len(self.grants) < self.limit.max_calls:
            return now
        return self.grants[len(self.grants) - self.limit.max_calls] + self.span


def ready_in_log(log: list[float], window: WindowLog, now: float) -> float:
    """``WindowLog.ready_at`` on a simulated (sorted) log that may hold future grants."""
    live = [t for t in log if t > now - window.span]
    if len(live) < window.limit.max_calls:
        return now
    # The k-th latest grant must leave the window before one more fits.
    return live[len(live) - window.limit.max_calls] + window.span
