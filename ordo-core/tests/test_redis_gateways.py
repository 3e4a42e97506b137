"""Two whole gateways (replicas) sharing one Redis: the kill switch and the rate windows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
from ordo.config import AccountConfig, load_settings
from ordo_testing.server import InProcessGateway, gateway_in_process

pytest.importorskip("ordo_adapter_mock")

TOKEN = "replica-test-token-0123456789"
ORDER = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "MARKET",
    "product": "CNC",
}


def replica(data_dir: Path, **extra: Any) -> AbstractAsyncContextManager[InProcessGateway]:
    settings = load_settings(
        None,
        data_dir=data_dir,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
        **extra,
    )
    return gateway_in_process(settings, token=TOKEN)


@pytest.fixture
async def pair(
    tmp_path: Path, redis_url: str, redis_prefix: str, clean_ordo_env: None
) -> AsyncIterator[tuple[InProcessGateway, InProcessGateway]]:
    """Two replicas with separate data directories and one Redis."""
    async with AsyncExitStack() as stack:
        gateways = [
            await stack.enter_async_context(
                replica(tmp_path / name, redis_url=redis_url, redis_prefix=redis_prefix)
            )
            for name in ("one", "two")
        ]
        yield gateways[0], gateways[1]


async def kill_switch_active(gw: InProcessGateway) -> bool:
    response = await gw.client.get("/api/v1/kill-switch")
    assert response.status_code == 200
    active: bool = response.json()["data"]["active"]
    return active


async def eventually_active(gw: InProcessGateway, want: bool, within: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while await kill_switch_active(gw) is not want:
        if loop.time() > give_up:
            pytest.fail(f"the kill switch did not become {want} within {within}s")
        await asyncio.sleep(0.01)


@pytest.mark.redis
async def test_a_kill_switch_on_one_replica_refuses_orders_on_the_other(
    pair: tuple[InProcessGateway, InProcessGateway],
) -> None:
    one, two = pair
    placed = await two.client.post("/api/v1/orders", json=ORDER)
    assert placed.status_code == 200, placed.text

    on = await one.client.post("/api/v1/kill-switch", json={"reason": "runaway strategy"})
    assert on.status_code == 200, on.text
    await eventually_active(two, True)
    refused = await two.client.post("/api/v1/orders", json=ORDER)
    assert refused.status_code == 423
    assert refused.json()["error_code"] == "KILL_SWITCH_ACTIVE"

    off = await two.client.request("DELETE", "/api/v1/kill-switch", json={"reason": "resolved"})
    assert off.status_code == 200, off.text
    await eventually_active(one, False)
    again = await one.client.post("/api/v1/orders", json=ORDER)
    assert again.status_code == 200, again.text


@pytest.mark.redis
async def test_replicas_count_their_calls_in_the_shared_windows(
    pair: tuple[InProcessGateway, InProcessGateway], redis_url: str, redis_prefix: str
) -> None:
    one, two = pair
    for gw in (one, two):
        response = await gw.client.post("/api/v1/orders", json=ORDER)
        assert response.status_code == 200, response.text
    with redis.Redis.from_url(redis_url) as client:
        keys = sorted(k.decode() for k in client.scan_iter(match=f"{redis_prefix}rl:*"))
        # The paper broker declares orders per second and per minute (scope "orders").
        orders = [k for k in keys if ":orders:" in k]
        assert orders, keys
        # Both replicas' order calls sit in the same windows (the per-minute one keeps both).
        assert max(client.zcard(k) for k in orders) >= 2


async def test_without_redis_nothing_is_shared(tmp_path: Path, clean_ordo_env: None) -> None:
    async with replica(tmp_path) as gw:
        assert gw.runtime.shared_state is None
        response = await gw.client.post("/api/v1/orders", json=ORDER)
        assert response.status_code == 200, response.text
