"""An open-loop HTTP/1.1 load generator with a negligible client-side cost.

Requests are sent at a steady rate on a schedule that does not wait for responses (open
loop), over a pool of keep-alive connections: a connection busy with a slow response never
delays the next send, so a server stall shows up as latency instead of being hidden by the
generator waiting for it (coordinated omission). The client is raw asyncio streams writing
pre-built request bytes, so its own cost per request is tens of microseconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

ORDER: dict[str, Any] = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "LIMIT",
    "product": "CNC",
    "price": "2000.00",
}
"""A limit above the market, so the paper broker fills it on arrival (the common case)."""


@dataclass
class Sample:
    """One request as the client saw it."""

    index: int
    scheduled: float
    sent: float
    latency: float
    status: int
    body: bytes


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    max_send_lag: float = 0.0
    """Worst delay between a request's scheduled and actual send time."""
    connections: int = 0


def order_request(host: str, port: int, token: str, key: str) -> bytes:
    """The bytes of one ``POST /api/v1/orders`` with an ``Idempotency-Key``."""
    body = json.dumps(ORDER, separators=(",", ":")).encode()
    head = (
        "POST /api/v1/orders HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Idempotency-Key: {key}\r\n"
        "\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response with a ``Content-Length``."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> tuple[float, int, bytes]:
        sent = time.perf_counter()
        self.writer.write(request)
        status, body = await read_response(self.reader)
        return sent, status, body


async def run_load(
    host: str,
    port: int,
    token: str,
    *,
    rate: float,
    count: int,
    run_id: str,
    pool: int = 16,
) -> LoadResult:
    """Send ``count`` orders at ``rate`` per second; each gets a unique idempotency key."""
    result = LoadResult()
    # First in, first out: every connection stays busy enough that the server's keep-alive
    # timeout never closes one under us.
    idle: deque[_Connection] = deque()

    async def connection() -> _Connection:
        if idle:
            return idle.popleft()
        reader, writer = await asyncio.open_connection(host, port)
        result.connections += 1
        return _Connection(reader, writer)

    for _ in range(pool):
        idle.append(_Connection(*await asyncio.open_connection(host, port)))
        result.connections += 1
    requests = [order_request(host, port, token, f"{run_id}-{i}") for i in range(count)]

    async def one(index: int, scheduled: float) -> None:
        conn = await connection()
        try:
            sent, status, body = await conn.exchange(requests[index])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.errors.append(f"request {index}: {type(exc).__name__}: {exc}")
            conn.writer.close()
            return
        latency = time.perf_counter() - sent
        idle.append(conn)
        result.samples.append(Sample(index, scheduled, sent, latency, status, body))

    start = time.perf_counter() + 0.05
    interval = 1.0 / rate
    tasks = []
    for index in range(count):
        scheduled = start + index * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        result.max_send_lag = max(result.max_send_lag, time.perf_counter() - scheduled)
        tasks.append(asyncio.ensure_future(one(index, scheduled)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.writer.close()
    result.samples.sort(key=lambda s: s.index)
    return result
