"""Fixtures: Ordo with paper accounts and the OpenAlgo facade, served by uvicorn on
loopback, and the real ``openalgo`` client pointed at it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from openalgo import api
from ordo.api.app import create_app
from ordo.config import AccountConfig, demo_settings

TOKEN = "ordo-bearer-token-for-tests"
APIKEY = "oa-key-0123456789abcdef0123456789"
DUAL_KEY = "oa-dual-0123456789abcdef012345678"
PAPER_ONLY_KEY = "oa-paper-0123456789abcdef01234567"
# Quotas high enough that the core's rate limiter never queues a test order; a fixed day so
# the paper broker's derivative expiries are known.
FAST = {"orders_per_second": 10_000, "orders_per_minute": None, "as_of": "2025-01-06"}


def openalgo_section(**overrides: Any) -> dict[str, Any]:
    return {
        "prefix": "/openalgo",
        "keys": [
            {"apikey": APIKEY, "token": "default", "accounts": ["paper"]},
            {"apikey": DUAL_KEY, "token": "default", "accounts": ["paper", "desk"]},
            {"apikey": PAPER_ONLY_KEY, "accounts": ["desk"], "analyzer": True},
        ],
        **overrides,
    }


def build_app(tmp_path: Path, desk: dict[str, Any] | None = None, **section: Any) -> FastAPI:
    """Paper accounts ``paper`` and ``desk`` (``desk`` settings may be overridden) and the
    facade with ``openalgo_section(**section)``."""
    extra = {"paper": {}, "desk": desk or {}}
    settings = demo_settings(
        tmp_path,
        api_token=TOKEN,
        accounts={
            name: AccountConfig(adapter="mock", settings={**FAST, **overrides})
            for name, overrides in extra.items()
        },
        sections={"openalgo": openalgo_section(**section)},
    )
    return create_app(settings)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` on a real uvicorn bound to 127.0.0.1 (a port the OS picks), in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@dataclass
class Facade:
    app: FastAPI
    url: str
    data_dir: Path

    @property
    def base(self) -> str:
        return f"{self.url}/openalgo"

    def client(self, key: str = APIKEY) -> Any:
        return api(api_key=key, host=self.base)

    def post(self, endpoint: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        """A raw POST, as an alert service sends it."""
        return httpx.post(f"{self.base}/api/v1/{endpoint}", json=body, headers=headers)

    def ordo(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A call to Ordo's own API with its bearer token."""
        response = httpx.request(
            method, f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        return response.json()


@pytest.fixture
def facade(tmp_path: Path) -> Iterator[Facade]:
    app = build_app(tmp_path)
    with serving(app) as url:
        yield Facade(app=app, url=url, data_dir=tmp_path)
