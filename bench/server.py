"""The server side of the order-pipeline benchmark: a real ``uvicorn`` serving Ordo on
loopback with one paper account, and a probe timing every ``place_order`` of the adapter.

Run by ``bench.order_pipeline`` as a child process; on SIGINT/SIGTERM uvicorn shuts down
gracefully and the probe's timings plus the process's peak RSS are written as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import resource
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.fernet import Fernet
from fastapi import FastAPI
from ordo.api.app import create_app, plugins_from_settings
from ordo.cli.serve_cmd import take_over_logging
from ordo.config import Settings
from ordo.config.models import AccountConfig, ApiTokenEntry
from ordo.domain import OrderAck, OrderRequest
from ordo.heap import FreezeHeapAtStartup
from ordo.hookspecs import hookimpl
from pydantic import SecretStr

ACCOUNT = "paper"
TOKEN_NAME = "bench"


def bench_settings(
    data_dir: Path, port: int, token: str, database_url: str | None = None
) -> Settings:
    """One paper account without latency, faults or order quotas, so that what is measured
    is Ordo, and a fixed trading day so the instrument master is reproducible."""
    paper = {
        "seed": 7,
        "as_of": date(2025, 1, 2).isoformat(),
        "starting_cash": "1000000000",
        "orders_per_second": None,
        "orders_per_minute": None,
    }
    return Settings(
        host="127.0.0.1",
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        api_tokens=[ApiTokenEntry(name=TOKEN_NAME, token=SecretStr(token))],
        log_level="WARNING",
        secret_key=SecretStr(Fernet.generate_key().decode()),
        accounts={ACCOUNT: AccountConfig(adapter="mock", settings=paper)},
    )


class PlaceOrderProbe:
    """Times the adapter's own ``place_order`` per order tag (the "direct call" cost)."""

    def __init__(self) -> None:
        self.seconds_by_tag: dict[str, float] = {}
        self.loop = ""

    @hookimpl
    def startup(self, app: FastAPI) -> None:
        loop = asyncio.get_running_loop()
        self.loop = f"{type(loop).__module__}.{type(loop).__name__}"
        for account in app.state.ordo.accounts:
            account.adapter.place_order = self._timed(account.adapter.place_order)

    def _timed(
        self, place: Callable[[OrderRequest, str], Awaitable[OrderAck]]
    ) -> Callable[[OrderRequest, str], Awaitable[OrderAck]]:
        async def timed(order: OrderRequest, tag: str) -> OrderAck:
            started = time.perf_counter()
            try:
                return await place(order, tag)
            finally:
                self.seconds_by_tag[tag] = time.perf_counter() - started

        return timed


class GcPauses:
    """Durations of the garbage collector's pauses, per generation (they stop the loop)."""

    def __init__(self) -> None:
        self.seconds: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]].append(time.perf_counter() - self._started)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            f"gen{gen}": {
                "count": len(values),
                "max_ms": max(values, default=0.0) * 1000,
                "total_ms": sum(values) * 1000,
            }
            for gen, values in self.seconds.items()
        }


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats here")
    args = parser.parse_args(argv)
    settings = bench_settings(args.data_dir, args.port, args.token, database_url=args.database_url)
    plugins = plugins_from_settings(settings)
    probe = PlaceOrderProbe()
    plugins.pm.register(probe, name="bench.probe")
    plugins.pm.register(FreezeHeapAtStartup(), name="ordo.freeze-heap")
    app = create_app(settings, plugins=plugins)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        log_level="warning",
    )
    take_over_logging(settings, app)
    # uvicorn shuts down gracefully on SIGINT, then re-raises it as KeyboardInterrupt.
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    if profiler is not None and args.profile is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    report: dict[str, Any] = {
        "adapter_seconds_by_tag": probe.seconds_by_tag,
        "peak_rss_bytes": peak_rss_bytes(),
        "gc_pauses": pauses.summary(),
        "loop": probe.loop,
        "http": getattr(config, "http_protocol_class", type(None)).__name__,
    }
    args.output.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main()
