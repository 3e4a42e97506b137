"""Retry storms: connection failures injected before and after the gateway handled each
request. Whatever the client had to retry, each idempotency key leaves exactly one order in
the paper broker's book."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from ordo_client import AsyncOrdo, OrderRequest, OrderResult, Ordo, RetryPolicy

from .conftest import (
    TOKEN,
    FailurePlan,
    FlakyAsyncTransport,
    FlakySyncTransport,
    LiveServer,
    paper_broker,
)

STORM_POLICY = RetryPolicy(max_attempts=8, backoff=0.002, max_backoff=0.01, seed=11)


def order(n: int) -> OrderRequest:
    # Distinct prices far below the market: every order rests, none fills.
    return OrderRequest(
        exchange="NSE",
        symbol="SBIN",
        side="BUY",
        quantity=1,
        order_type="LIMIT",
        price=Decimal("500.00") + Decimal(n) / 20,
    )


def assert_one_order_per_key(broker: Any, results: list[OrderResult], plan: FailurePlan) -> None:
    assert plan.stats.before > 0, "no failure was injected before forwarding"
    assert plan.stats.after > 0, "no failure was injected after forwarding"
    keys = [r.idempotency_key for r in results]
    assert len(set(keys)) == len(results)
    # Every attempt of every call reused its call's key.
    assert set(plan.stats.keys) == set(keys)
    book = broker.orders()
    per_tag = Counter(o.tag for o in book)
    assert len(book) == len(results), f"{len(book)} orders for {len(results)} keys"
    for result in results:
        assert result.ok, result
        leg = result.succeeded[0].data
        assert leg is not None
        assert per_tag[leg.tag] == 1
        assert broker.order(leg.order_id).tag == leg.tag


async def test_async_storm_over_asgi_places_one_order_per_key(asgi_app: FastAPI) -> None:
    plan = FailurePlan(seed=20250106)
    transport = FlakyAsyncTransport(httpx.ASGITransport(app=asgi_app), plan)
    async with AsyncOrdo(
        "http://gateway.test", token=TOKEN, transport=transport, retry=STORM_POLICY
    ) as ordo:
        results = await asyncio.gather(*(ordo.place_order(order(n), ["paper"]) for n in range(30)))
        # Reads retry through the same storm.
        book = await ordo.orders(["paper"])
    assert_one_order_per_key(paper_broker(asgi_app), list(results), plan)
    assert len(book.data()["paper"]) == 30


def test_sync_storm_over_loopback_places_one_order_per_key(live_server: LiveServer) -> None:
    plan = FailurePlan(seed=42)
    transport = FlakySyncTransport(httpx.HTTPTransport(), plan)
    with Ordo(live_server.url, token=TOKEN, transport=transport, retry=STORM_POLICY) as ordo:
        results = [ordo.place_order(order(n), "paper") for n in range(20)]
    assert_one_order_per_key(paper_broker(live_server.app), results, plan)


def test_resending_with_the_returned_key_never_places_twice(live_server: LiveServer) -> None:
    with Ordo(live_server.url, token=TOKEN) as ordo:
        first = ordo.place_order(order(1), "paper")
        again = ordo.place_order(order(1), "paper", idempotency_key=first.idempotency_key)
    assert again.order_ids() == first.order_ids()
    assert len(paper_broker(live_server.app).orders()) == 1
