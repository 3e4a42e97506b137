"""The sliding-window log behind each quota of ``AccountLimiter`` (see ``limiter``)."""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ordo.adapters.base import RateLimit


def window_name(limit: RateLimit) -> str:
    """The name of a broker quota's window (``orders:10/1.0``): replicas share a window
    when they give it the same name."""
    return f"{limit.scope.value}:{limit.max_calls}/{limit.period}"


@dataclass(frozen=True)
class NamedLimit:
    """A window a caller adds to one acquire beyond the broker's quotas (the regulatory
    order-rate ceiling of one exchange segment, ``ordo.safety.order_ceiling``). Acquires
    that name the same window share it."""

    name: str
    limit: RateLimit


class WindowLog:
    """Sliding-window log of one ``RateLimit``: the instants of the grants that may still
    count, oldest first."""

    __slots__ = ("grants", "limit", "name", "span")

    def __init__(self, limit: RateLimit, margin: float, name: str | None = None) -> None:
        if limit.max_calls < 1 or limit.period <= 0:
            raise ValueError(f"invalid rate limit {limit!r}")
        self.limit = limit
        self.name = name or window_name(limit)
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


def replay(
    windows: Sequence[WindowLog], turns: Sequence[frozenset[int]], not_before: float, now: float
) -> float:
    """When the last of ``turns`` (each the windows one queued waiter needs, in queue
    order) would be granted if each took its slot in turn and no one else arrived: the
    grants are replayed on copies of the logs, which stay untouched."""
    logs = {i: list(windows[i].grants) for i in frozenset[int]().union(*turns)}
    for needed in turns:
        t = not_before
        for i in needed:
            t = max(t, ready_in_log(logs[i], windows[i], now))
        for i in needed:
            insort(logs[i], t)
        not_before = max(not_before, t)
    return not_before


def window_headroom(window: WindowLog, now: float, *, named: bool) -> dict[str, Any]:
    """``window``'s remaining capacity at ``now``, for ``/status``."""
    window.prune(now)
    # A named window (a segment's ceiling) says which; a quota is told by its scope.
    return {
        **({"name": window.name} if named else {}),
        "scope": window.limit.scope.value,
        "max_calls": window.limit.max_calls,
        "period": window.limit.period,
        "available": window.limit.max_calls - len(window.grants),
    }
