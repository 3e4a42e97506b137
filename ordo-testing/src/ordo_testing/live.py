"""A whole gateway served by uvicorn on a loopback port, on the caller's event loop: for
clients that need a real socket (a browser) while the test still reaches the runtime (to
fill an order at the paper broker, say) without threads."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from ordo.api.app import create_app
from ordo.config import Settings
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime

from ordo_testing.loopback import serving_on_loopback


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
    async with (
        app.router.lifespan_context(app),
        serving_on_loopback(app, sock=sock) as base_url,
    ):
        yield LiveGateway(app=app, base_url=base_url)
