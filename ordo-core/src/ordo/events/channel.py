"""Push channels: a broker's own stream of order updates for one account session.

An adapter whose broker documents one (the Fyers order WebSocket, the m.Stock socket's
order frames) returns an ``OrderChannel`` from ``order_channel()``; the watcher reads it
and falls back to polling the order book while it is down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger

from ordo.events.model import OrderUpdate


class UnknownFrame(ValueError):
    """A push frame in a shape the parser does not know: logged, counted and skipped."""


class OrderChannel(Protocol):
    """One connection's worth of order updates; the iterator ends when the connection
    does. Raises ``AuthFailed``/``SessionExpired`` when the broker refuses the session."""

    def updates(self) -> AsyncIterator[OrderUpdate]: ...


@dataclass
class Backoff:
    """Exponential reconnect delays (``first`` doubling up to ``cap``), so a socket that
    cannot authenticate does not reconnect in a storm from the account's registered IP."""

    first: float = 1.0
    cap: float = 300.0
    failures: int = 0

    def next_delay(self) -> float:
        delay = float(min(self.cap, self.first * (2**self.failures)))
        self.failures += 1
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
