"""Killing a real server between an event and its webhook delivery loses nothing: ``ordo
serve`` runs as a subprocess (SQLite data directory, a paper account, a webhook to a
receiver that refuses at first); an order fills and its event is stored; the process is
SIGKILLed before any delivery succeeded; a restarted server delivers the event to the now
accepting receiver once per event id, and an SSE client resumes with ``Last-Event-ID``
across the restart (nothing lost, nothing repeated)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from ordo_client.webhooks import verify_signature
from ordo_testing.loopback import serve_on_loopback
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOKEN = "restart-delivery-token-0123456789"
SECRET = "restart-delivery-secret-0123456789"
WAIT_SECONDS = 60.0
"""A bound on how long the test waits for the subprocess, never a timing assertion."""
MARKET_BUY = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "MARKET",
    "product": "MIS",
}


class Receiver:
    """Refuses (503) until ``accepting``; then checks each signature and counts deliveries
    per event id (a real receiver dedupes on it)."""

    def __init__(self) -> None:
        self.accepting = False
        self.refused = 0
        self.deliveries: Counter[int] = Counter()
        self.events: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            if not self.accepting:
                self.refused += 1
                return Response(status_code=503)
            verify_signature(SECRET, request.headers["ordo-signature"], body)
            event_id = int(request.headers["ordo-event-id"])
            self.deliveries[event_id] += 1
            self.events.setdefault(event_id, json.loads(body))
        return Response(status_code=204)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(what: str, predicate: Callable[[], bool]) -> None:
    """Wait for another process (no notification crosses the process boundary), bounded."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def write_config(path: Path, data_dir: Path, hook_url: str) -> None:
    path.write_text(
        "\n".join(
            [
                "api_token: {env: ORDO_RESTART_TEST_TOKEN}",
                f"data_dir: {json.dumps(str(data_dir))}",
                "log_level: WARNING",
                "order_watch_interval_seconds: 0.2",
                "events_stream_seconds: 0.5",
                "accounts:",
                "  paper:",
                "    adapter: mock",
                "    settings: {seed: 7}",
                "webhooks:",
                "  - name: desk",
                f"    url: {hook_url}",
                "    secret: {env: ORDO_RESTART_TEST_SECRET}",
                "",
            ]
        ),
        encoding="utf-8",
    )


@contextmanager
def ordo_serve(config: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``ordo serve`` in its own process; killed (SIGKILL) on exit if still running."""
    env = {
        **os.environ,
        "ORDO_RESTART_TEST_TOKEN": TOKEN,
        "ORDO_RESTART_TEST_SECRET": SECRET,
    }
    ordo = Path(sys.executable).with_name("ordo")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(ordo), "serve", "--config", str(config), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def sse_ids(client: httpx.Client, last_event_id: int | None = None) -> list[int]:
    """The ids of one bounded SSE stream (the server ends it after its stream seconds)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    reply = client.get("/api/v1/events", headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    return [int(line[4:]) for line in reply.text.splitlines() if line.startswith("id: ")]


def fill_an_order(client: httpx.Client) -> str:
    placed = client.post("/api/v1/orders", json=MARKET_BUY).json()
    (result,) = placed["results"]
    assert result["status"] == "success", placed
    order_id = str(result["data"]["order_id"])

    def filled() -> bool:
        events = client.get(f"/api/v1/orders/paper/{order_id}/events").json()["data"]
        return any(e["status"] == "FILLED" for e in events)

    wait_for(f"the FILLED event of {order_id}", filled)
    return order_id


def rest_an_order(client: httpx.Client, *, newer_than: int) -> str:
    """A LIMIT buy below the market: it rests, and its OPEN event is new. (The paper book
    starts its order ids over after a restart, so a second fill of "the same" order id
    would be the same event.)"""
    order = {**MARKET_BUY, "order_type": "LIMIT", "price": "700", "product": "CNC"}
    placed = client.post("/api/v1/orders", json=order).json()
    (result,) = placed["results"]
    assert result["status"] == "success", placed
    order_id = str(result["data"]["order_id"])

    def opened() -> bool:
        events = client.get(f"/api/v1/orders/paper/{order_id}/events").json()["data"]
        return any(e["status"] == "OPEN" and e["id"] > newer_than for e in events)

    wait_for(f"the OPEN event of {order_id}", opened)
    return order_id


def desk(client: httpx.Client) -> dict[str, Any]:
    status = client.get("/api/v1/status").json()["data"]
    (webhook,) = [w for w in status["webhooks"] if w["name"] == "desk"]
    return dict(webhook)


def test_a_killed_server_delivers_after_restart_once_per_event_and_sse_resumes(
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    config = tmp_path / "ordo.yaml"
    log = tmp_path / "serve.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with (
        serve_on_loopback(receiver.app) as receiver_url,
        httpx.Client(base_url=base, headers=headers, timeout=10) as client,
    ):
        write_config(config, tmp_path / "data", f"{receiver_url}/hook")
        with ordo_serve(config, port, log) as first:
            wait_for("the first server", lambda: healthy(client))
            before = fill_an_order(client)
            seen = sse_ids(client)
            assert seen, "the fill produced no event"
            wait_for("a refused delivery", lambda: receiver.refused > 0)
            assert desk(client)["pending"] == len(seen)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        assert receiver.deliveries == Counter()  # nothing was delivered before the kill

        receiver.accepting = True
        with ordo_serve(config, port, log) as second:
            wait_for("the restarted server", lambda: healthy(client))
            wait_for("the deliveries after the restart", lambda: desk(client)["pending"] == 0)
            # Every event stored before the kill arrived, once per event id.
            assert sorted(receiver.deliveries) == seen
            assert set(receiver.deliveries.values()) == {1}
            assert {receiver.events[i]["order_id"] for i in seen} == {before}
            # SSE: resuming after the last id seen before the kill gives only what is new.
            after = rest_an_order(client, newer_than=seen[-1])
            resumed = sse_ids(client, last_event_id=seen[-1])
            assert resumed
            assert min(resumed) > seen[-1]
            assert sse_ids(client) == seen + resumed  # nothing lost, nothing repeated
            wait_for("the new deliveries", lambda: desk(client)["pending"] == 0)
            assert sorted(receiver.deliveries) == seen + resumed
            assert set(receiver.deliveries.values()) == {1}
            assert {receiver.events[i]["order_id"] for i in resumed} == {after}
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
