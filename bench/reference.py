"""The reference gateway: the least a gateway in front of a broker must do, for scale.

A minimal FastAPI app, served exactly like ``bench.server`` serves Ordo (uvicorn on
loopback, same event loop and HTTP parser), that for every ``POST /api/v1/orders`` checks a
bearer token, validates a pydantic body, inserts one SQLite row, calls the same paper
broker in process, and updates the row with the outcome. Nothing else: no idempotency, no
checks, no limiter, no breaker, no audit. Ordo's client-observed latency over this one's is
the cost of everything Ordo adds, on the same machine in the same minute.

Run by ``bench.compare`` as a child process with the same arguments as ``bench.server``;
the paper broker's own ``place_order`` time per tag is written to ``--output`` on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from ordo.adapters.base import AdapterContext
from ordo.domain import Exchange, OrderRequest, OrderType, Product, Side
from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.settings import MockSettings
from pydantic import BaseModel, Field

from bench.server import peak_rss_bytes

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, "
    "body TEXT NOT NULL, state TEXT NOT NULL, broker_order_id TEXT)"
)


class OrderBody(BaseModel):
    """The same body Ordo takes, validated the plain pydantic way."""

    accounts: list[str] = Field(min_length=1)
    exchange: Exchange
    symbol: str = Field(min_length=1, max_length=40)
    side: Side
    quantity: int = Field(gt=0)
    order_type: OrderType
    product: Product
    price: Decimal | None = None


def create_reference_app(
    data_dir: Path, token: str, timings: dict[str, float], info: dict[str, str]
) -> FastAPI:
    """The reference app; ``timings`` receives the broker's own time per order tag and
    ``info["loop"]`` the event loop's class."""
    data_dir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        info["loop"] = f"{type(loop).__module__}.{type(loop).__name__}"
        conn = sqlite3.connect(data_dir / "reference.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(_SCHEMA)
        paper = MockSettings(
            seed=7,
            as_of=date(2025, 1, 2),
            starting_cash=Decimal("1000000000"),
            orders_per_second=None,
            orders_per_minute=None,
        )
        adapter = MockAdapter(paper, AdapterContext(account="paper", data_dir=data_dir))
        await adapter.start()
        await adapter.begin_login()
        state.update(conn=conn, adapter=adapter)
        try:
            yield
        finally:
            await adapter.aclose()
            conn.close()

    app = FastAPI(lifespan=lifespan)
    expected = f"Bearer {token}".encode()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/orders")
    async def place(body: OrderBody, authorization: Annotated[str, Header()] = "") -> JSONResponse:
        if not hmac.compare_digest(authorization.encode(), expected):
            raise HTTPException(status_code=401, detail="bad token")
        conn: sqlite3.Connection = state["conn"]
        adapter: MockAdapter = state["adapter"]
        tag = secrets.token_hex(8)
        row = conn.execute(
            "INSERT INTO orders (tag, body, state) VALUES (?, ?, 'sent')",
            (tag, body.model_dump_json()),
        ).lastrowid
        order = OrderRequest(
            exchange=body.exchange,
            symbol=body.symbol,
            side=body.side,
            quantity=body.quantity,
            order_type=body.order_type,
            product=body.product,
            price=body.price,
        )
        started = time.perf_counter()
        ack = await adapter.place_order(order, tag)
        timings[tag] = time.perf_counter() - started
        conn.execute(
            "UPDATE orders SET state = 'acknowledged', broker_order_id = ? WHERE id = ?",
            (ack.order_id, row),
        )
        return JSONResponse(
            {
                "status": "success",
                "results": [{"status": "success", "data": {"order_id": ack.order_id, "tag": tag}}],
            }
        )

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    info: dict[str, str] = {}
    app = create_reference_app(args.data_dir, args.token, timings, info)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        log_level="warning",
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    report: dict[str, Any] = {
        "adapter_seconds_by_tag": timings,
        "peak_rss_bytes": peak_rss_bytes(),
        "gc_pauses": {},
        "loop": info.get("loop", ""),
        "http": getattr(config, "http_protocol_class", type(None)).__name__,
    }
    args.output.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
