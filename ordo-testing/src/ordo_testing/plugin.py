"""The ``ordo`` pytest plugin (entry point ``pytest11``): the ``--ordo-live`` option, the
guard that keeps tests off real brokers, and the markers the compliance suite uses.

Without ``--ordo-live`` every socket connection to a non-loopback address fails the test
that made it. Loopback stays open so fakes served by uvicorn, PostgreSQL and Redis on this
machine keep working.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

LIVE_OPTION = "--ordo-live"


class LiveBrokerBlockedError(RuntimeError):
    """A test tried to reach a non-loopback address without ``--ordo-live``."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ordo")
    group.addoption(
        LIVE_OPTION,
        action="store_true",
        default=False,
        help="allow tests to reach real brokers (needs explicit credentials); never in CI",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ordo_live: test talks to a real broker")
    config.addinivalue_line(
        "markers",
        "ordo_capability(name): compliance test verifying a Capability value or an area "
        "(contract, session, errors); `ordo adapters check` builds its matrix from it",
    )
    config.addinivalue_line(
        "markers",
        "ordo_registry: test installs packages from a package registry (PyPI) through uv",
    )


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like never leave the machine
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _ordo_block_live_brokers(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.config.getoption(LIVE_OPTION):
        yield
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise LiveBrokerBlockedError(
                f"connection to {address!r} blocked: tests never reach a real broker "
                f"unless run with {LIVE_OPTION}"
            )
        return original_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise LiveBrokerBlockedError(f"connection to {address!r} blocked without {LIVE_OPTION}")
        return original_connect_ex(sock, address)

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
