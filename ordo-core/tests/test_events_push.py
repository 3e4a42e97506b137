"""A ``SocketOrderChannel`` over a real loopback WebSocket: frames in an unknown shape are
counted and skipped (the channel keeps reading), heartbeat answers never reach the
parser, a 1008 close refuses the session (``AuthFailed``), another abnormal close is a
drop (``BrokerUnavailable``), and a normal close just ends the connection's updates."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from ordo.adapters.sockets import FrameSocket, SocketDialer
from ordo.errors import AuthFailed, BrokerUnavailable
from ordo.events.channel import UnknownFrame
from ordo.events.model import EventStatus, OrderUpdate
from ordo.events.push import Endpoint, Heartbeat, SocketOrderChannel
from ordo_testing.loopback import serving_on_loopback
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket


def parse(frame: object) -> OrderUpdate | None:
    data = json.loads(str(frame))
    if not isinstance(data, dict) or "id" not in data:
        raise UnknownFrame("no id")
    if data["id"] == "none":
        return None
    return OrderUpdate(
        account="a", broker="test", order_id=data["id"], status=EventStatus(data["status"])
    )


def socket_app(close_code: int) -> Starlette:
    """Waits for ``hello``, sends a mix of frames, then closes with ``close_code``."""

    async def serve(websocket: WebSocket) -> None:
        await websocket.accept()
        assert await websocket.receive_text() == "hello"
        for frame in (
            json.dumps({"id": "X1", "status": "OPEN"}),
            "pong",  # the heartbeat's answer: dropped before parsing
            "not json",
            json.dumps([1, 2]),
            json.dumps({"id": "none"}),
            json.dumps({"id": "X1", "status": "FILLED"}),
        ):
            await websocket.send_text(frame)
        await websocket.close(code=close_code)

    return Starlette(routes=[WebSocketRoute("/", serve)])


def channel(url: str) -> SocketOrderChannel:
    async def greet(socket: FrameSocket) -> None:
        await socket.send("hello")

    return SocketOrderChannel(
        account="a",
        dialer=SocketDialer(open_timeout=5.0),
        endpoint=lambda: Endpoint(url.replace("http", "ws", 1) + "/"),
        greet=greet,
        parse=parse,
        heartbeat=Heartbeat("ping", 3600.0),
    )


async def collect(target: SocketOrderChannel, into: list[OrderUpdate]) -> None:
    async for update in target.updates(lambda: None):
        into.append(update)


async def read(target: SocketOrderChannel, opened: Callable[[], None]) -> list[OrderUpdate]:
    return [update async for update in target.updates(opened)]


async def test_a_normal_close_ends_the_updates_after_the_known_frames() -> None:
    async with serving_on_loopback(socket_app(1000)) as url:
        target = channel(url)
        opened: list[bool] = []
        updates = await read(target, lambda: opened.append(True))
    assert opened == [True]
    assert [(u.order_id, u.status) for u in updates] == [
        ("X1", EventStatus.OPEN),
        ("X1", EventStatus.FILLED),
    ]
    assert target.unknown_frames == 2  # "not json" and the list; "pong" never parsed
    assert target.connects == 1


@pytest.mark.parametrize(("code", "error"), [(1008, AuthFailed), (1011, BrokerUnavailable)])
async def test_an_abnormal_close_is_a_refusal_or_a_drop(code: int, error: type[Exception]) -> None:
    async with serving_on_loopback(socket_app(code)) as url:
        target = channel(url)
        updates: list[OrderUpdate] = []
        with pytest.raises(error):
            await collect(target, updates)
    assert [u.status for u in updates] == [EventStatus.OPEN, EventStatus.FILLED]


async def test_a_refused_handshake_and_an_unreachable_host_are_told_apart() -> None:
    async def refuse(websocket: WebSocket) -> None:
        await websocket.close(code=1008)  # before accepting: an HTTP 403

    app = Starlette(routes=[WebSocketRoute("/", refuse)])
    async with serving_on_loopback(app) as url:
        with pytest.raises(AuthFailed, match="HTTP 403"):
            await read(channel(url), lambda: None)
    with pytest.raises(BrokerUnavailable, match="did not open"):
        await read(channel(url), lambda: None)  # the server is gone now
