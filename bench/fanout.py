"""Fan-out benchmark: one order to three accounts on three real adapters (Fyers, HDFC,
m.Stock), each talking to its broker's fake over loopback HTTP with simulated broker
latency, and what Ordo adds over the slowest leg.

The three fakes run under uvicorn on 127.0.0.1 in a thread of their own (one event loop);
Ordo runs in this process (``gateway_in_process``: the real app, called through an
in-process ASGI client), so the client-to-Ordo hop is not on the wire but every broker call
is. Orders are sent one at a time (closed loop), within every broker's order quota. For
each order, overhead = the latency the client observed minus the slowest of its three
adapter ``place_order`` calls (timed inside the adapters).

    uv run python -m bench.fanout [--orders 40] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from ordo.adapters.base import BrokerAdapter
from ordo.config import AccountConfig, load_settings
from ordo.domain import ChallengeKind, LoginChallenge, OrderAck, OrderRequest
from ordo_adapter_fyers.fake.app import create_app as fyers_app
from ordo_adapter_fyers.settings import FyersSettings
from ordo_adapter_fyers.testing import FyersHarness
from ordo_adapter_hdfc.fake import create_app as hdfc_app
from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_adapter_mirae.testing import MiraeHarness
from ordo_testing.harness import AdapterHarness
from ordo_testing.server import gateway_in_process

from bench.order_pipeline import RESULTS
from bench.stats import summarise, table

TOKEN = "fanout-bench-token-0123456789"
GOAL_P50_MS = 3.0
ORDER: dict[str, Any] = {
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "SELL",
    "quantity": 1,
    "order_type": "LIMIT",
    "product": "MIS",
    "price": "900.00",
}
"""An intraday sell: its pre-trade checks need no funds read, so each leg's broker time is
its ``place_order`` (m.Stock allows one read a second, which would dominate a buy)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(apps: dict[str, Any]) -> Iterator[dict[str, str]]:
    """Serve each ASGI app on its own loopback port, all in one background event loop;
    yields each app's base URL."""
    servers = {
        name: uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="error")
        )
        for name, app in apps.items()
    }
    loop = asyncio.new_event_loop()

    async def serve_all() -> None:
        await asyncio.gather(*(s.serve() for s in servers.values()))

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve_all())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not all(s.started for s in servers.values()):
        if time.monotonic() > deadline:
            raise RuntimeError("the fakes did not start")
        time.sleep(0.02)
    try:
        yield {name: f"http://127.0.0.1:{s.config.port}" for name, s in servers.items()}
    finally:
        for server in servers.values():
            server.should_exit = True
        thread.join(timeout=20)


def plain(settings: Any) -> dict[str, Any]:
    """Adapter settings as configuration values (secrets revealed, as a config file has)."""
    values = settings.model_dump(mode="python")
    return {
        k: v.get_secret_value() if hasattr(v, "get_secret_value") else v for k, v in values.items()
    }


def timed(adapter: BrokerAdapter, seconds: dict[str, float]) -> None:
    place: Callable[[OrderRequest, str], Awaitable[OrderAck]] = adapter.place_order

    async def place_timed(order: OrderRequest, tag: str) -> OrderAck:
        started = time.perf_counter()
        try:
            return await place(order, tag)
        finally:
            seconds[tag] = time.perf_counter() - started

    adapter.place_order = place_timed  # type: ignore[method-assign]


async def log_in(runtime: Any, name: str, harness: AdapterHarness) -> None:
    account = runtime.accounts.get(name)
    step = await runtime.sessions.begin(account)
    for _ in range(5):
        if step.get("state") == "active":
            return
        shown = step["challenge"]
        challenge = LoginChallenge(
            challenge_id=shown["challenge_id"],
            kind=ChallengeKind(shown["kind"]),
            prompt=shown["prompt"],
            expires_at=datetime.fromisoformat(shown["expires_at"]),
            url=shown["url"],
        )
        step = await runtime.sessions.answer(
            account, challenge.challenge_id, harness.answer(challenge)
        )
    raise RuntimeError(f"{name} did not log in: {step}")


async def measure(orders: int, latency: float, data_dir: Path) -> dict[str, Any]:
    fyers = FyersHarness(data_dir / "fyers-fake", enforce_rate_limits=False)
    hdfc = HdfcHarness(data_dir / "hdfc-fake")
    mirae = MiraeHarness(data_dir / "mirae-fake")
    fyers.fake.latency = latency
    hdfc.broker.switches.delay = latency
    mirae.fake.switches.latency = latency
    apps = {"fyers": fyers_app(fyers.fake), "hdfc": hdfc_app(hdfc.broker), "mirae": mirae.fake.app}
    with served(apps) as urls:
        fyers_settings: FyersSettings = fyers.settings(
            api_base_url=f"{urls['fyers']}/api/v3",
            data_base_url=f"{urls['fyers']}/data",
            login_base_url=f"{urls['fyers']}/vagator/v2",
            symbol_master_sources=[
                f"{urls['fyers']}/sym_details/{Path(s).name}"
                for s in fyers.settings().symbol_master_sources
            ],
        )
        accounts = {
            "fy": AccountConfig(adapter="fyers", settings=plain(fyers_settings)),
            "hd": AccountConfig(
                adapter="hdfc", settings=plain(hdfc.settings(base_url=urls["hdfc"]))
            ),
            "mi": AccountConfig(
                adapter="mirae", settings=plain(mirae.settings(base_url=urls["mirae"]))
            ),
        }
        settings = load_settings(
            None,
            data_dir=data_dir / "ordo",
            api_token=TOKEN,
            accounts=accounts,
            log_level="WARNING",
        )
        async with gateway_in_process(settings, token=TOKEN) as gw:
            runtime = gw.runtime
            for name, harness in (("fy", fyers), ("hd", hdfc), ("mi", mirae)):
                await log_in(runtime, name, harness)
            seconds: dict[str, float] = {}
            for account in runtime.accounts:
                timed(account.adapter, seconds)
            body = {**ORDER, "accounts": ["fy", "hd", "mi"]}
            client_ms: list[float] = []
            slowest_ms: list[float] = []
            overhead_ms: list[float] = []
            failures: list[str] = []
            run_id = uuid.uuid4().hex[:8]
            for index in range(orders + 3):
                headers = {"Idempotency-Key": f"{run_id}-{index}"}
                started = time.perf_counter()
                response = await gw.client.post("/api/v1/orders", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                answer = response.json()
                if response.status_code != 200:
                    failures.append(f"order {index}: HTTP {response.status_code} {answer}")
                    continue
                if index < 3:  # warm-up: instrument masters, funds caches, connections
                    continue
                legs = [seconds[r["data"]["tag"]] for r in answer["results"]]
                client_ms.append(elapsed * 1000)
                slowest_ms.append(max(legs) * 1000)
                overhead_ms.append((elapsed - max(legs)) * 1000)
                await asyncio.sleep(0.25)  # stay inside every broker's order quota
    if not overhead_ms:
        raise RuntimeError(f"no order measured; first failures: {failures[:3]}")
    return {
        "orders": len(overhead_ms),
        "broker_latency_ms": latency * 1000,
        "client_latency_ms": summarise(client_ms),
        "slowest_leg_ms": summarise(slowest_ms),
        "overhead_ms": summarise(overhead_ms),
        "failures": failures,
        "goal_p50_ms": GOAL_P50_MS,
    }


def render(report: dict[str, Any]) -> str:
    verdict = "met" if report["overhead_ms"]["p50"] <= GOAL_P50_MS else "NOT met"
    return "\n".join(
        [
            f"fan-out to 3 accounts (fyers, hdfc, mirae fakes over loopback HTTP, "
            f"{report['broker_latency_ms']:g} ms broker latency): {report['orders']} orders",
            table(
                {
                    "client latency": report["client_latency_ms"],
                    "slowest leg": report["slowest_leg_ms"],
                    "overhead": report["overhead_ms"],
                }
            ),
            f"failures: {len(report['failures'])}; goal p50 overhead <= {GOAL_P50_MS:g} ms: "
            f"{verdict}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=40, help="measured orders")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="simulated broker latency")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ordo-fanout-") as tmp:
        report = asyncio.run(measure(args.orders, args.latency_ms / 1000, Path(tmp)))
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.output / f"fanout-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(render(report))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
