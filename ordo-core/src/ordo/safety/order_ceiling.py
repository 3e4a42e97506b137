"""The regulatory order-rate ceiling: per account and exchange segment, place, modify and
cancel together stay at or under ``per_second`` in every one-second window.

The ceiling is not a limiter of its own: it names one window per segment that an order
call adds to the account's ``AccountLimiter`` acquire (``also``). So one grant passes the
broker's quotas and the segment's ceiling together, in the one priority queue (cancels
first), with the same margin, deadline refusal (``RATE_LIMITED`` before anything is sent)
and, with replicas, the same Redis windows (the window's name is its key there, so every
replica serving the account counts in it).
"""

from __future__ import annotations

from ordo.adapters.base import RateLimit, RateScope
from ordo.domain.segments import REGULATORY_ORDERS_PER_SECOND, Segment
from ordo.safety.window_log import NamedLimit

PERIOD = 1.0
"""The exchanges count orders per second."""


class OrderCeiling:
    """One account's order-rate ceiling: a window per exchange segment."""

    def __init__(self, per_second: int) -> None:
        if not 1 <= per_second <= REGULATORY_ORDERS_PER_SECOND:
            raise ValueError(
                f"the order-rate ceiling is 1..{REGULATORY_ORDERS_PER_SECOND} per second"
            )
        self.per_second = per_second
        limit = RateLimit(per_second, PERIOD, RateScope.ORDERS)
        self._windows = {
            segment: NamedLimit(f"segment:{segment.value}:{per_second}/{PERIOD}", limit)
            for segment in Segment
        }
        self._every = tuple(self._windows.values())

    def windows(self, segment: Segment | None) -> tuple[NamedLimit, ...]:
        """The window an order call in ``segment`` must also pass. ``None`` (a cancel of an
        order whose segment Ordo could not learn) counts in every segment's window: it
        cannot push the one it really belongs to over the ceiling."""
        if segment is None:
            return self._every
        return (self._windows[segment],)

    def __repr__(self) -> str:
        return f"<OrderCeiling {self.per_second}/s per segment>"
