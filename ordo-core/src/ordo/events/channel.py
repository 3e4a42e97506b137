"""Push channels: a broker's own stream of order updates for one account session.

An adapter whose broker documents one (the Fyers order WebSocket, the m.Stock socket's
order frames) returns an ``OrderChannel`` from ``order_channel()``; the watcher reads it
and falls back to polling the order book while it is down.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from loguru import logger

from ordo.events.model import OrderUpdate


class UnknownFrame(ValueError):
    """A push frame in a shape the parser does not know: logged, counted and skipped."""


class OrderChannel(Protocol):
    """One connection's worth of order updates per ``updates()`` call; the iterator ends
    when the connection does, after calling ``opened`` once the connection is logged in
    and subscribed. Raises ``AuthFailed``/``SessionExpired`` when the broker refuses the
    session, ``BrokerUnavailable`` when it cannot be reached."""

    def updates(self, opened: Callable[[], None]) -> AsyncIterator[OrderUpdate]: ...

    @property
    def unknown_frames(self) -> int:
        """Frames skipped so far because their shape is unknown (a metric)."""
        ...


@dataclass
class Backoff:
    """Exponential reconnect delays (``first`` doubling up to ``cap``), so a socket that
    cannot authenticate does not reconnect in a storm from the account's registered IP."""

    first: float = 1.0
    cap: float = 300.0
    jitter: float = 0.0
    """Up to this share of each delay is taken off at random, so many accounts that lost
    their sockets together (a broker restart) do not reconnect in step."""
    failures: int = 0
    random: Callable[[], float] = field(default=random.random, repr=False)

    def next_delay(self) -> float:
        delay = float(min(self.cap, self.first * (2 ** min(self.failures, 32))))
        self.failures += 1
        if self.jitter:
            delay *= 1.0 - self.jitter * self.random()
        return delay

    def reset(self) -> None:
        self.failures = 0


FrameParser = Callable[[Any], "OrderUpdate | None"]
"""A broker's frame -> an order update, ``None`` for a frame that carries none (ticks,
acknowledgements, trades), ``UnknownFrame`` for a shape it does not know."""


@dataclass
class FrameReader:
    """Reads a socket's frames through ``parse``: a frame in an unknown shape is logged,
    counted and skipped, never the end of the watcher."""

    account: str
    parse: FrameParser
    unknown_frames: int = 0

    async def updates(self, frames: AsyncIterator[Any]) -> AsyncIterator[OrderUpdate]:
        async for frame in frames:
            try:
                update = self.parse(frame)
            except (UnknownFrame, KeyError, TypeError, ValueError) as exc:
                self.unknown_frames += 1
                logger.warning(
                    "order channel of {}: skipped a frame in an unknown shape ({}): {:.200}",
                    self.account,
                    exc,
                    repr(frame),
                )
                continue
            if update is not None:
                yield update
