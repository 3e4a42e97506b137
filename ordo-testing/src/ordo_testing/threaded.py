"""A whole gateway on an event loop of its own thread, for testing blocking clients (the
CLI, the sync SDK) against it without a network: ``ServerThread.transport()`` hands each
request to the gateway's loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import httpx
from ordo.config import Settings
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime

from ordo_testing.server import InProcessGateway, gateway_in_process

T = TypeVar("T")
URL = "http://ordo.test"


class ServerThread:
    """A whole gateway (``gateway_in_process``) on an event loop of its own thread, so a
    blocking client in the test's thread can call it through ``transport()``."""

    def __init__(self, settings: Settings, plugins: Plugins | None = None) -> None:
        self._settings = settings
        self._plugins = plugins
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._gateway: InProcessGateway | None = None
        self._error: BaseException | None = None

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test thread by __enter__
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        async with gateway_in_process(self._settings, plugins=self._plugins) as gateway:
            self._gateway = gateway
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None or self._gateway is None:
            raise RuntimeError(f"the gateway did not start: {self._error!r}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    @property
    def runtime(self) -> OrdoRuntime:
        assert self._gateway is not None
        return self._gateway.runtime

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the gateway's loop and wait for its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def transport(self, before: Callable[[httpx.Request], None] | None = None) -> BridgeTransport:
        assert self._gateway is not None
        return BridgeTransport(self, httpx.ASGITransport(app=self._gateway.app), before)

    def api(self, method: str, path: str, token: str) -> Any:
        """One authenticated API call, for assertions."""
        with httpx.Client(transport=self.transport(), base_url=URL) as client:
            response = client.request(method, path, headers={"Authorization": f"Bearer {token}"})
        return response.json()


class BridgeTransport(httpx.BaseTransport):
    """A blocking transport that hands each request to the gateway's loop."""

    def __init__(
        self,
        server: ServerThread,
        inner: httpx.ASGITransport,
        before: Callable[[httpx.Request], None] | None,
    ) -> None:
        self._server = server
        self._inner = inner
        self._before = before

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._before is not None:
            self._before(request)
        return self._server.run(self._send(request))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)
