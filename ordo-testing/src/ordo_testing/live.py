"""A whole gateway served by uvicorn on a loopback port, on the caller's event loop: for
clients that need a real socket (a browser) while the test still reaches the runtime (to
fill an order at the paper broker, say) without threads."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from ordo.api.app import create_app
from ordo.config import Settings
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0


@dataclass
class LiveGateway:
    app: FastAPI
    base_url: str
    """``http://127.0.0.1:<port>``"""

    @property
    def runtime(self) -> OrdoRuntime:
        runtime: OrdoRuntime = self.app.state.ordo
        return runtime

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        """A client of this gateway over its socket (bearer ``token`` when given)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port (bound before uvicorn starts, so the port
    is known and connections made before startup completes wait in the backlog)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@asynccontextmanager
async def serve_app(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port of this event loop; yield its base
    URL once it accepts connections, stop it on exit. The app's lifespan is the caller's
    (run in this task, its failure raises here instead of ending uvicorn with SystemExit).
    ``sock`` (from ``loopback_socket()``) when the URL had to be known before the app was
    built, e.g. for a broker's redirect URI in its settings."""
    sock = sock or loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
        # The browser's keep-alive connections must not hold the shutdown.
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while not server.started:
                if task.done():
                    raise RuntimeError(f"the server did not start: {task.exception()!r}")
                # uvicorn offers no start event; its flag is set by the same loop.
                await asyncio.sleep(0.01)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@asynccontextmanager
async def live_gateway(
    settings: Settings,
    *,
    plugins: Plugins | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    sock: socket.socket | None = None,
) -> AsyncIterator[LiveGateway]:
    """``create_app(settings)`` served on a loopback port of this event loop (``sock``'s
    when given)."""
    app = create_app(settings, plugins=plugins, transports=transports)
    async with app.router.lifespan_context(app), serve_app(app, sock) as base_url:
        yield LiveGateway(app=app, base_url=base_url)
