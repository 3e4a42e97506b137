"""Fixtures: the gateway built in-process (ASGI) and served by uvicorn on loopback, both on
paper accounts, plus transports that inject connection failures."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from ordo.api.app import create_app
from ordo.config import AccountConfig, demo_settings

TOKEN = "client-test-token"

# Quotas high enough that the core's rate limiter never queues a test order.
FAST = {"orders_per_second": 10_000, "orders_per_minute": None, "as_of": "2025-01-06"}


def build_app(tmp_path: Path, accounts: dict[str, dict[str, Any]] | None = None) -> FastAPI:
    """A gateway with paper accounts (``{"paper": {}}`` by default) and token ``TOKEN``."""
    configured = accounts or {"paper": {}}
    settings = demo_settings(
        tmp_path,
        api_token=TOKEN,
        accounts={
            name: AccountConfig(adapter="mock", settings={**FAST, **extra})
            for name, extra in configured.items()
        },
    )
    return create_app(settings)


def paper_broker(app: FastAPI, account: str = "paper") -> Any:
    return app.state.ordo.accounts.get(account).adapter.broker


@pytest.fixture
async def asgi_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = build_app(tmp_path)
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class Injection:
    """Counts of what the flaky transport did."""

    before: int = 0
    after: int = 0
    forwarded: int = 0
    keys: list[str] = field(default_factory=list)


class FailurePlan:
    """Decides, per request, whether to fail before forwarding, after it, or not at all.

    Each idempotency key (or each request without one) fails at most ``max_failures``
    times, so a client with enough attempts always gets through; which attempts fail, and
    how, comes from a seeded RNG.
    """

    def __init__(self, seed: int, max_failures: int = 3, rate: float = 0.6) -> None:
        self._rng = random.Random(seed)
        self._max = max_failures
        self._rate = rate
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self.stats = Injection()

    def decide(self, request: httpx.Request) -> str:
        key = request.headers.get("Idempotency-Key") or f"{request.method} {request.url}"
        with self._lock:
            if "Idempotency-Key" in request.headers:
                self.stats.keys.append(key)
            used = self._failures.get(key, 0)
            if used >= self._max or self._rng.random() >= self._rate:
                self.stats.forwarded += 1
                return "pass"
            self._failures[key] = used + 1
            mode = self._rng.choice(("before", "after"))
            if mode == "before":
                self.stats.before += 1
            else:
                self.stats.after += 1
                self.stats.forwarded += 1
            return mode


class FlakyAsyncTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: fails before forwarding (the server never sees the request) or
    after (the server acted; the client sees only a broken connection)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, plan: FailurePlan) -> None:
        self.inner = inner
        self.plan = plan

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        mode = self.plan.decide(request)
        if mode == "before":
            raise httpx.ConnectError("injected: connection refused", request=request)
        response = await self.inner.handle_async_request(request)
        if mode == "after":
            await response.aread()
            await response.aclose()
            raise httpx.ReadError("injected: connection reset after the request", request=request)
        return response


class FlakySyncTransport(httpx.BaseTransport):
    """The blocking twin of ``FlakyAsyncTransport``."""

    def __init__(self, inner: httpx.BaseTransport, plan: FailurePlan) -> None:
        self.inner = inner
        self.plan = plan

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mode = self.plan.decide(request)
        if mode == "before":
            raise httpx.ConnectError("injected: connection refused", request=request)
        response = self.inner.handle_request(request)
        if mode == "after":
            response.read()
            response.close()
            raise httpx.ReadError("injected: connection reset after the request", request=request)
        return response


@dataclass
class LiveServer:
    app: FastAPI
    url: str


@contextmanager
def serving(app: FastAPI, scheme: str = "http", **options: Any) -> Iterator[str]:
    """Run ``app`` on a real uvicorn bound to 127.0.0.1 (a port the OS picks) in a thread;
    yields its base URL. ``options`` go to ``uvicorn.Config`` (TLS files, for instance)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The gateway served by a real uvicorn on loopback."""
    app = build_app(tmp_path)
    with serving(app) as url:
        yield LiveServer(app=app, url=url)
