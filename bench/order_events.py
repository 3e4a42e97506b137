"""Order-event benchmark: how long after a fill in the fake the event reaches an SSE
client and a webhook receiver, and what the watchers cost the order path.

Ordo runs in process (``gateway_in_process``) on a paper account. Each measured order is a
LIMIT buy that rests in the paper book; the benchmark fills it (``fill_partly`` with the
whole quantity) and times until (a) the SSE stream generator of ``GET /api/v1/events``
(``ordo.api.routes.events.event_stream``, the code that writes the HTTP stream) yields its
``FILLED`` frame and (b) the webhook dispatcher's POST for that event reaches the receiver
(an ``httpx.MockTransport`` in process: signing, outbox and retries included, no socket).
The watcher polls every ``--poll-ms`` milliseconds, so about half of that is the expected
floor of the delay. The push series (``push_*``) run the same through the Fyers fake's
order WebSocket on loopback (real socket, the adapter's channel, no poll). Second part:
``POST /api/v1/orders`` latency with a watcher polling the account's open orders (at
``--path-poll-ms``, the default interval) versus with no watcher polling (orders are sent
one at a time).

    uv run python -m bench.order_events [--orders 1000] [--poll-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx
from ordo.api.routes.events import event_stream
from ordo.config import AccountConfig, load_settings
from ordo.domain import LoginChallenge
from ordo_adapter_mock import MockAdapter
from ordo_adapter_mock.after_ack import fill_partly
from ordo_testing.server import InProcessGateway, gateway_in_process

from bench.order_pipeline import RESULTS
from bench.stats import summarise, table

TOKEN = "events-bench-token-0123456789"
SECRET = "events-bench-secret-0123456789"
RESTING_BUY: dict[str, Any] = {
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "LIMIT",
    "price": "700",
    "accounts": ["paper"],
}


PAPER: dict[str, Any] = {
    "seed": 7,
    "starting_cash": "1000000000",
    "orders_per_second": None,
    "orders_per_minute": None,
}
"""No order quotas (as ``bench.server``): what is measured is Ordo, not the simulator's
throttling."""


def _settings(data_dir: Path, poll_seconds: float, webhook: bool) -> Any:
    hooks = [{"name": "bench", "url": "http://receiver.test/hook", "secret": SECRET}]
    return load_settings(
        None,
        data_dir=data_dir,
        api_token=TOKEN,
        log_level="WARNING",
        order_watch_interval_seconds=poll_seconds,
        webhooks=hooks if webhook else [],
        accounts={"paper": AccountConfig(adapter="mock", settings=PAPER)},
    )


def _paper(gw: InProcessGateway) -> MockAdapter:
    adapter = gw.runtime.accounts.get("paper").adapter
    assert isinstance(adapter, MockAdapter)
    adapter.broker.set_price("NSE:SBIN", "800")
    return adapter


async def _place(gw: InProcessGateway, body: dict[str, Any] = RESTING_BUY) -> tuple[str, float]:
    started = time.perf_counter()
    response = await gw.client.post("/api/v1/orders", json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"order refused: {response.text[:300]}")
    return str(response.json()["results"][0]["data"]["order_id"]), elapsed


async def _delays(
    gw: InProcessGateway, orders: int, body: dict[str, Any], fill: Callable[[str], object]
) -> dict[str, list[float]]:
    """Place ``orders`` resting buys one at a time; fill each (``fill``) and time until
    the SSE stream and the webhook receiver see its ``FILLED`` event."""
    sse_ms: list[float] = []
    hook_ms: list[float] = []
    filled_at: dict[str, float] = {}
    hook_seen: dict[str, asyncio.Event] = {}

    def receive(request: httpx.Request) -> httpx.Response:
        event = json.loads(request.content)
        if event["status"] == "FILLED" and event["order_id"] in filled_at:
            hook_ms.append((time.perf_counter() - filled_at[event["order_id"]]) * 1000)
            hook_seen[event["order_id"]].set()
        return httpx.Response(204)

    gw.runtime.webhooks._client = httpx.AsyncClient(transport=httpx.MockTransport(receive))
    stream = event_stream(
        gw.runtime.events,
        gw.runtime.events.last_id,
        accounts=None,
        statuses=["FILLED"],
        seconds=3600,
    )
    await anext(stream)  # the retry/comment preamble
    for _ in range(orders):
        order_id, _ = await _place(gw, body)
        hook_seen[order_id] = asyncio.Event()
        filled_at[order_id] = time.perf_counter()
        fill(order_id)
        while True:
            frame = await anext(stream)
            if order_id.encode() in frame:
                sse_ms.append((time.perf_counter() - filled_at[order_id]) * 1000)
                break
        await asyncio.wait_for(hook_seen[order_id].wait(), 30)
    await stream.aclose()
    return {"fill_to_sse_ms": sse_ms, "fill_to_webhook_ms": hook_ms}


async def delivery_delays(orders: int, poll_seconds: float) -> dict[str, list[float]]:
    """Fill -> SSE frame and fill -> webhook POST, in milliseconds, per order (paper
    account, polling watcher)."""
    with tempfile.TemporaryDirectory() as tmp:
        async with gateway_in_process(_settings(Path(tmp), poll_seconds, True), token=TOKEN) as gw:
            broker = _paper(gw).broker
            return await _delays(
                gw, orders, RESTING_BUY, lambda oid: fill_partly(broker, oid, 1, Decimal("700"))
            )


async def push_delivery_delays(orders: int) -> dict[str, list[float]]:
    """The same through a push channel: a Fyers account whose fake serves its order
    WebSocket on loopback; the watcher's poll interval is an hour, so every ``FILLED``
    event arrives through the socket (the fake looks for changes every 20 ms, about 10 ms
    of the delay on average)."""
    from ordo_adapter_fyers.adapter import FyersAdapter
    from ordo_adapter_fyers.fake import create_app as fyers_fake
    from ordo_adapter_fyers.testing import FyersHarness
    from ordo_testing.loopback import serving_on_loopback

    # No Fyers quotas (200 calls a minute would make this a 10-minute wait): what is
    # measured is the push path, as the paper series runs without the simulator's quotas.
    with (
        patch.object(FyersAdapter, "declared_rate_limits", ()),
        tempfile.TemporaryDirectory() as tmp,
    ):
        harness = FyersHarness(Path(tmp) / "fyers-fake")
        async with serving_on_loopback(fyers_fake(harness.fake)) as fake_url:
            socket_url = fake_url.replace("http", "ws", 1) + "/trade/v3"
            account = AccountConfig(
                adapter="fyers",
                settings=dict(harness.settings(order_push=True, order_socket_url=socket_url)),
            )
            hooks = [{"name": "bench", "url": "http://receiver.test/hook", "secret": SECRET}]
            settings = load_settings(
                None,
                data_dir=Path(tmp) / "data",
                api_token=TOKEN,
                log_level="WARNING",
                order_watch_interval_seconds=3600,
                webhooks=hooks,
                accounts={"fyers": account},
            )
            transports = {"fyers": harness.transport}
            async with gateway_in_process(settings, token=TOKEN, transports=transports) as gw:
                await _log_in(gw, "fyers", harness.answer)
                await gw.runtime.watchers.sync()
                _, watcher = gw.runtime.watchers.running["fyers"]
                async with asyncio.timeout(30):
                    while not watcher.push_connected:  # noqa: ASYNC110 (no notification)
                        await asyncio.sleep(0.01)
                body = {**RESTING_BUY, "accounts": ["fyers"], "product": "CNC"}
                price = Decimal("700")
                out = await _delays(
                    gw, orders, body, lambda oid: harness.fake.fill_partly(oid, 1, price)
                )
                if watcher.polls:
                    raise RuntimeError(f"the watcher polled {watcher.polls} times")
    return {f"push_{name}": values for name, values in out.items()}


async def _log_in(
    gw: InProcessGateway, account: str, answer: Callable[[LoginChallenge], str]
) -> None:
    step = (await gw.client.post(f"/api/v1/accounts/{account}/login")).json()
    for _ in range(6):
        if step["status"] != "success":
            raise RuntimeError(f"login failed: {step}")
        if step["data"]["state"] == "active":
            return
        challenge = step["data"]["challenge"]
        url = f"/api/v1/accounts/{account}/login/{challenge['challenge_id']}"
        reply = answer(LoginChallenge.model_validate(challenge))
        step = (await gw.client.post(url, json={"answer": reply})).json()
    raise RuntimeError(f"login did not finish: {step}")


async def order_path(orders: int, poll_seconds: float) -> dict[str, list[float]]:
    """``POST /api/v1/orders`` latency without and with a watcher polling open orders."""
    out: dict[str, list[float]] = {}
    for label, interval in (
        ("order_path_no_watcher_ms", 3600.0),
        ("order_path_watching_ms", poll_seconds),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            settings = _settings(Path(tmp), interval, False)
            async with gateway_in_process(settings, token=TOKEN) as gw:
                _paper(gw)
                for _ in range(20):  # warm-up (and, watching, open orders to follow)
                    await _place(gw)
                out[label] = [(await _place(gw))[1] for _ in range(orders)]
    return out


def run(orders: int, poll_ms: float, path_poll_ms: float = 2000.0) -> dict[str, Any]:
    series = asyncio.run(delivery_delays(orders, poll_ms / 1000))
    series.update(asyncio.run(push_delivery_delays(orders)))
    series.update(asyncio.run(order_path(orders, path_poll_ms / 1000)))
    report: dict[str, Any] = {name: summarise(values) for name, values in series.items()}
    report["orders"] = orders
    report["poll_ms"] = poll_ms
    report["path_poll_ms"] = path_poll_ms
    base = report["order_path_no_watcher_ms"]["p50"]
    report["watcher_slowdown_p50_pct"] = round(
        (report["order_path_watching_ms"]["p50"] - base) / base * 100, 1
    )
    return report


def render(report: dict[str, Any]) -> str:
    rows = {k: v for k, v in report.items() if isinstance(v, dict)}
    return (
        f"{report['orders']} orders; delivery with a poll every {report['poll_ms']} ms, "
        f"order path with the default poll ({report['path_poll_ms']} ms)\n"
        + table(rows)
        + f"\norder path p50 with a watcher polling: {report['watcher_slowdown_p50_pct']:+.1f}%"
        " (goal: at most +10%)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200, help="measured orders per series")
    parser.add_argument("--poll-ms", type=float, default=20.0, help="poll for delivery delay")
    parser.add_argument(
        "--path-poll-ms", type=float, default=2000.0, help="poll for the order-path run"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    report = run(args.orders, args.poll_ms, args.path_poll_ms)
    print(render(report))
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.output / f"order_events-{stamp}.json").write_text(
        json.dumps(report, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
