"""The queue entries of ``AccountLimiter`` (``limiter``): who waits, at which priority, for
which windows, until when."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import IntEnum


class Priority(IntEnum):
    """Lower values are served first."""

    CANCEL = 0
    ORDER = 1
    READ = 2


@dataclass(eq=False)
class Waiter:
    """One acquire waiting in the queue."""

    priority: Priority
    seq: int
    windows: frozenset[int]
    deadline_at: float
    future: asyncio.Future[float]
    enqueued_at: float
    deadline_timer: asyncio.TimerHandle | None = None
    granted_at: float | None = field(default=None)
    admitting: bool = False
    """The shared windows are being asked; the waiter holds its place until they answer."""
    counted_at: float | None = None
    """When its slot was counted: the local grant, or when the shared windows were asked."""

    @property
    def key(self) -> tuple[int, int]:
        return (int(self.priority), self.seq)
