"""Run a whole gateway in process for tests: the app, its lifespan, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from ordo.api.app import create_app
from ordo.config import Settings
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime


@dataclass
class InProcessGateway:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> OrdoRuntime:
        runtime: OrdoRuntime = self.app.state.ordo
        return runtime


@asynccontextmanager
async def gateway_in_process(
    settings: Settings,
    *,
    token: str | None = None,
    plugins: Plugins | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> AsyncIterator[InProcessGateway]:
    """Start the app's lifespan and yield it with an ``httpx.AsyncClient`` bound to it
    (sending ``token`` as bearer when given)."""
    app = create_app(settings, plugins=plugins, transports=transports)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ordo.test", headers=headers
        ) as client:
            yield InProcessGateway(app=app, client=client)
