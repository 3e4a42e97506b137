"""The ``ordo`` pytest plugin (entry point ``pytest11``): the ``--ordo-live`` option, the
``ordo_live_guard`` ini option and marker, and the markers the compliance suite uses.

Installing ordo-testing changes no other project's test run: the plugin only adds options,
markers and fixtures. The guard that keeps tests off real brokers is on only where asked for:

* for every test of a project whose configuration sets ``ordo_live_guard = true`` (the Ordo
  workspace and projects made from the adapter template do);
* for tests marked ``@pytest.mark.ordo_live_guard`` (every compliance suite class is).

A guarded test fails on any socket connection to a non-loopback address unless the run has
``--ordo-live``. Loopback stays open so fakes served by uvicorn, PostgreSQL and Redis on this
machine keep working.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

LIVE_OPTION = "--ordo-live"
GUARD_INI = "ordo_live_guard"
GUARD_MARKER = "ordo_live_guard"


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
    parser.addini(
        GUARD_INI,
        type="bool",
        default=False,
        help="block non-loopback connections in every test (Ordo adapter projects opt in)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ordo_live: test talks to a real broker")
    config.addinivalue_line(
        "markers",
        f"{GUARD_MARKER}: fail the test if it connects to a non-loopback address "
        f"(unless the run has {LIVE_OPTION})",
    )
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


def guard_wanted(request: pytest.FixtureRequest) -> bool:
    """Whether this test opted in to the guard (ini option or marker) and the run did not
    ask for live brokers."""
    if request.config.getoption(LIVE_OPTION):
        return False
    if request.config.getini(GUARD_INI):
        return True
    return request.node.get_closest_marker(GUARD_MARKER) is not None


@pytest.fixture(autouse=True)
def _ordo_block_live_brokers(request: pytest.FixtureRequest) -> Iterator[None]:
    if not guard_wanted(request):
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
