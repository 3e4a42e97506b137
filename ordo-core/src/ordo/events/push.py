"""A push channel over a broker's WebSocket: open (through the account's dialer), greet
(log in, subscribe), then read frames through the adapter's parser until the socket
closes, sending the broker's text heartbeat where it wants one. One ``updates()`` call is
one connection; the watcher reconnects with backoff."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from ordo.adapters.sockets import FrameSocket, SocketDialer, closed_error
from ordo.events.channel import FrameParser, FrameReader
from ordo.events.model import OrderUpdate


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect for the current session (the token is read per
    connection: a channel never holds one)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Heartbeat:
    """A text frame some brokers want every ``seconds`` besides protocol pings, and the
    text of its answer (dropped before parsing)."""

    text: str
    seconds: float
    answer: str = "pong"


@dataclass
class SocketOrderChannel:
    """An ``OrderChannel`` over one broker WebSocket."""

    account: str
    dialer: SocketDialer
    endpoint: Callable[[], Endpoint]
    """Raises ``SessionExpired`` when the account has no live session."""
    greet: Callable[[FrameSocket], Awaitable[None]]
    parse: FrameParser
    heartbeat: Heartbeat | None = None
    reader: FrameReader = field(init=False)
    connects: int = 0

    def __post_init__(self) -> None:
        self.reader = FrameReader(self.account, self.parse)

    @property
    def unknown_frames(self) -> int:
        return self.reader.unknown_frames

    async def updates(
        self, opened: Callable[[], None] = lambda: None
    ) -> AsyncIterator[OrderUpdate]:
        endpoint = self.endpoint()
        self.connects += 1
        async with self.dialer.open(endpoint.url, endpoint.headers) as socket:
            try:
                await self.greet(socket)
                opened()
                beating = asyncio.create_task(self._beat(socket)) if self.heartbeat else None
                try:
                    async for update in self.reader.updates(self._frames(socket)):
                        yield update
                finally:
                    if beating is not None:
                        beating.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await beating
            except ConnectionClosedOK:
                return  # the broker ended the connection cleanly: the watcher reconnects
            except ConnectionClosed as exc:
                raise closed_error(exc) from None

    async def _frames(self, socket: FrameSocket) -> AsyncIterator[Any]:
        answer = self.heartbeat.answer if self.heartbeat else None
        while True:
            frame = await socket.recv()
            if answer is not None and frame == answer:
                continue
            yield frame

    async def _beat(self, socket: FrameSocket) -> None:
        assert self.heartbeat is not None
        while True:
            await asyncio.sleep(self.heartbeat.seconds)
            await socket.send(self.heartbeat.text)
