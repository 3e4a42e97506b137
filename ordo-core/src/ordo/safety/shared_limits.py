"""The seam between ``AccountLimiter`` and rate-limit windows shared by several replicas.

When several gateway replicas trade through the same broker account, each replica's local
windows only see its own calls; the broker counts all of them. A ``SharedWindows``
implementation (``ordo.replicas.RedisWindows``) keeps one window log per (account, window) that
every replica must also pass before a grant. This module holds only the protocol and its
value types, so the limiter does not depend on any particular store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ordo.adapters.base import RateLimit


@dataclass(frozen=True)
class WindowSpec:
    """One window as the shared store enforces it: the declared quota and the span (the
    period widened by the limiter's margin) over which grants are counted."""

    limit: RateLimit
    span: float
    name: str | None = None
    """The window's name (``WindowLog.name``); ``None``: the quota's own name."""


@dataclass(frozen=True)
class SharedVerdict:
    """The shared store's answer to one admission request.

    ``admitted``: the grant was recorded in every window. Otherwise ``paused_for`` is the
    remaining shared pause (a broker 429 seen by any replica) and ``waits`` holds, per
    requested window and in the same order, the seconds until it has room again (0 when it
    has room now).
    """

    admitted: bool
    paused_for: float = 0.0
    waits: tuple[float, ...] = ()


class SharedStateUnavailable(Exception):
    """The shared store could not be reached or did not answer; the caller fails safe."""


class SharedWindows(Protocol):
    """Rate-limit windows shared by every replica that serves an account."""

    async def admit(self, account: str, windows: Sequence[WindowSpec]) -> SharedVerdict:
        """Atomically record one grant in every window of ``windows`` if all have room and
        no pause is in force; otherwise record nothing and say how long to wait.
        Raises ``SharedStateUnavailable``."""
        ...

    async def pause(self, account: str, seconds: float) -> None:
        """Hold every replica's grants for ``account`` for ``seconds`` (a broker 429), never
        shortening a longer pause already in force. Raises ``SharedStateUnavailable``."""
        ...
