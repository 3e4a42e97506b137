"""Serve an ASGI app (a broker fake) on 127.0.0.1 for clients that need a real socket,
such as a broker's official SDK built on ``requests``, and keep those clients off the
network while they run; record which local address each client came from
(``PeerRecorder``) and echo it back (``echo_app``), for the egress tests."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn

LOOPBACK = "127.0.0.1"
_START_TIMEOUT = 30.0


_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


@contextmanager
def _uvicorn_logging_restored() -> Iterator[None]:
    """uvicorn configures the process's ``uvicorn*`` loggers when its ``Config`` is built
    (``propagate=False``, its own handlers, levels); put them back afterwards, so a test
    serving a fake does not change what a later test's logging sees."""
    saved = []
    for name in _UVICORN_LOGGERS:
        log = logging.getLogger(name)
        saved.append((log, log.level, log.propagate, log.handlers[:], log.disabled))
    try:
        yield
    finally:
        for log, level, propagate, handlers, disabled in saved:
            log.setLevel(level)
            log.propagate = propagate
            log.handlers = handlers
            log.disabled = disabled


@contextmanager
def serve_on_loopback(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a daemon thread; yield its base
    URL (``http://127.0.0.1:<port>``) and stop the server on exit."""
    with _uvicorn_logging_restored():
        yield from _serve(app)


def _serve(app: Any) -> Iterator[str]:
    server = uvicorn.Server(
        # No log_config or log_level: uvicorn would otherwise reconfigure the process's
        # logging (its loggers' levels) for every later test.
        uvicorn.Config(app, host=LOOPBACK, port=0, log_config=None, log_level=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="loopback-fake", daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(int(_START_TIMEOUT / 0.01)):
        if server.started or not thread.is_alive():
            break
        started.wait(0.01)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=5)
        raise RuntimeError("the loopback server did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port, bound before the server starts: for a
    URL that must be known before the app is built (a broker's redirect URI in its
    settings); connections made before the server is up wait in the backlog."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@asynccontextmanager
async def serving_on_loopback(
    app: Any, *, lifespan: Literal["on", "off"] = "off", sock: socket.socket | None = None
) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn on a free loopback port (``sock``'s, from
    ``loopback_socket()``, when given) in the running event loop (HTTP and WebSockets;
    state shared with the test without threads); yield its base URL
    (``http://127.0.0.1:<port>``) and stop the server on exit. ``lifespan="on"`` runs
    the app's startup and shutdown (a whole gateway); with "off" the caller runs it."""
    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        port=0,
        log_config=None,  # leave the process's logging as it is (see above)
        log_level=None,
        lifespan=lifespan,
        # An SSE stream or a socket still open at the end must not hold the test, nor a
        # browser's idle keep-alive connection.
        timeout_graceful_shutdown=2,
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock] if sock is not None else None))
    try:
        async with asyncio.timeout(_START_TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("the loopback server stopped before it started")
                # uvicorn offers no start event; its flag is set by the same loop.
                await asyncio.sleep(0.01)
        bound = sock if sock is not None else server.servers[0].sockets[0]
        yield f"http://{LOOPBACK}:{bound.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        if sock is not None:
            sock.close()


class NetworkRefused(AssertionError):
    """A client under test tried to reach a host other than the loopback fake."""


@contextmanager
def loopback_only() -> Iterator[None]:
    """While active, any outgoing TCP connection to a host other than 127.0.0.1 fails with
    ``NetworkRefused`` instead of leaving the machine (name lookups of other hosts too)."""
    original_connect = socket.socket.connect
    original_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in (LOOPBACK, "::1"):
            raise NetworkRefused(f"a test client tried to reach {address!r}")
        original_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (LOOPBACK, "localhost", "::1", None):
            raise NetworkRefused(f"a test client tried to resolve {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.getaddrinfo = original_getaddrinfo


@dataclass(frozen=True)
class Peer:
    """One request as the server saw it: the client's address and what it asked for."""

    host: str
    port: int
    method: str
    path: str


class PeerRecorder:
    """ASGI middleware that records the client address of every HTTP request (and WebSocket)
    before handing it to ``app``: wrap a broker fake with it to see which local address
    each account's calls came from. Served on 127.0.0.1, a client bound to 127.0.0.2 is
    seen as 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.peers: list[Peer] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            host, port = scope.get("client") or ("", 0)
            with self._lock:
                self.peers.append(Peer(host, port, scope.get("method", "WS"), scope["path"]))
        await self.app(scope, receive, send)

    def hosts(self) -> list[str]:
        """The client address of every request so far, in order."""
        with self._lock:
            return [peer.host for peer in self.peers]

    def hosts_for(self, prefix: str) -> set[str]:
        """The client addresses of the requests whose path starts with ``prefix``."""
        with self._lock:
            return {peer.host for peer in self.peers if peer.path.startswith(prefix)}


async def _echo_app(scope: Any, receive: Any, send: Any) -> None:
    """An IP-echo service: the caller's address as plain text, or as ``{"ip": ...}`` at
    ``/json``."""
    if scope["type"] != "http":
        return
    host = (scope.get("client") or ("", 0))[0]
    if scope["path"] == "/json":
        body, kind = json.dumps({"ip": host}).encode(), b"application/json"
    else:
        body, kind = host.encode(), b"text/plain"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})


def echo_app() -> PeerRecorder:
    """An IP-echo ASGI app (``GET /`` -> the caller's IP as text, ``/json`` -> JSON) that
    records its callers; serve it with ``serve_on_loopback``."""
    return PeerRecorder(_echo_app)
