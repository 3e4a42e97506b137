"""Proof of the order-safety semantics against the paper broker's fault injection."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from ordo.safety.breaker import AccountBreaker, BreakerState
from ordo_adapter_mock import MockAdapter, PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_testing.server import InProcessGateway

from .conftest import GatewayFactory

UNLIMITED = {"orders_per_second": None, "orders_per_minute": None}


def order(**extra: Any) -> dict[str, Any]:
    return {
        "accounts": ["paper"],
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 1,
        **extra,
    }


def broker_of(gw: InProcessGateway, account: str = "paper") -> PaperBroker:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter.broker


def tags_in_book(gw: InProcessGateway, account: str = "paper") -> Counter[str | None]:
    return Counter(o.tag for o in broker_of(gw, account).orders())


async def place_many(gw: InProcessGateway, keys: list[str], concurrency: int = 25) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def one(key: str) -> Any:
        async with gate:
            return await gw.client.post(
                "/api/v1/orders", json=order(), headers={"Idempotency-Key": key}
            )

    return list(await asyncio.gather(*(one(k) for k in keys)))


async def test_1000_orders_with_30_percent_transient_faults(make_gateway: GatewayFactory) -> None:
    faults = {"unavailable": 0.2, "rate_limited": 0.1, "retry_after_seconds": 0.001}
    settings = {**UNLIMITED, "seed": 7, "faults": faults}
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": settings}},
        breaker_fail_max=100_000,
    ) as gw:
        gw.runtime.safety.policy.base_delay = 0.001
        responses = await place_many(gw, [f"k{i}" for i in range(1000)])
        ok = sum(1 for r in responses if r.json()["status"] == "success")
        assert ok >= 990, Counter(r.json()["results"][0]["error_code"] for r in responses)
        book = tags_in_book(gw)
        assert max(book.values()) == 1
        assert len(book) == ok
        attempts = broker_of(gw).calls.count("place_order")
        assert attempts > 1000  # faults really happened and were retried


async def test_500_orders_with_lost_replies_never_duplicate(make_gateway: GatewayFactory) -> None:
    settings = {**UNLIMITED, "seed": 11, "faults": {"outcome_unknown": 0.2}}
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": settings}}, breaker_fail_max=100_000
    ) as gw:
        keys = [f"lost-{i}" for i in range(500)]
        first = await place_many(gw, keys)
        # Clients retry every request with the same key, as a careful client would.
        again = await place_many(gw, keys)
        book = tags_in_book(gw)
        assert len(book) == 500
        assert max(book.values()) == 1
        lost = broker_of(gw).calls.outcomes("place_order")["OUTCOME_UNKNOWN"]
        assert lost > 50
        for a, b in zip(first, again, strict=True):
            assert a.status_code == 200
            assert b.headers.get("idempotent-replayed") == "true"
            assert b.json()["results"] == a.json()["results"]
        request_ids = {r.json()["request_id"] for r in first}
        for rid in list(request_ids)[:50]:
            legs = (await gw.client.get(f"/api/v1/requests/{rid}")).json()["data"]["legs"]
            assert [leg["state"] for leg in legs] == ["acknowledged"]
            assert legs[0]["broker_order_id"]


async def test_50_concurrent_requests_with_one_key_make_one_order(paper: InProcessGateway) -> None:
    responses = await asyncio.gather(
        *(
            paper.client.post("/api/v1/orders", json=order(), headers={"Idempotency-Key": "same"})
            for _ in range(50)
        )
    )
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409}
    assert codes[200] >= 1
    for r in responses:
        if r.status_code == 409:
            assert r.json()["error_code"] == "IDEMPOTENCY_IN_FLIGHT"
            assert r.headers["retry-after"]
    assert broker_of(paper).calls.count("place_order") == 1
    assert sum(tags_in_book(paper).values()) == 1


async def test_same_key_replays_and_other_body_is_refused(paper: InProcessGateway) -> None:
    headers = {"Idempotency-Key": "replay-me"}
    first = await paper.client.post("/api/v1/orders", json=order(), headers=headers)
    second = await paper.client.post("/api/v1/orders", json=order(), headers=headers)
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    other = await paper.client.post("/api/v1/orders", json=order(quantity=2), headers=headers)
    assert other.status_code == 422
    assert other.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert broker_of(paper).calls.count("place_order") == 1


async def test_keys_are_scoped_to_the_api_token(make_gateway: GatewayFactory) -> None:
    async with make_gateway(api_tokens="alpha:alpha-token-123456,beta:beta-token-1234567") as gw:
        for token in ("alpha-token-123456", "beta-token-1234567"):
            r = await gw.client.post(
                "/api/v1/orders",
                json=order(),
                headers={"Idempotency-Key": "shared", "Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200
        book = tags_in_book(gw)
        assert len(book) == 2


async def test_unknown_until_reconciled_in_background(make_gateway: GatewayFactory) -> None:
    settings = {**UNLIMITED}
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": settings}},
        request_deadline_seconds=0.5,
        breaker_fail_max=100_000,
    ) as gw:
        faults = broker_of(gw).faults
        faults.fail_next(FaultKind.OUTCOME_UNKNOWN, operations={"place_order"})
        faults.fail_next(
            FaultKind.UNAVAILABLE, 10_000, operations={"find_orders_by_tag"}, retry_after=0.01
        )
        response = await gw.client.post("/api/v1/orders", json=order())
        body = response.json()
        assert response.status_code == 202, body
        [leg] = body["results"]
        assert leg["status"] == "unknown"
        assert leg["error_code"] == "OUTCOME_UNKNOWN"
        legs = (await gw.client.get(f"/api/v1/requests/{body['request_id']}")).json()
        assert legs["data"]["legs"][0]["state"] == "unknown"

        faults.clear()
        runtime = gw.runtime
        accounts = {a.name: a for a in runtime.accounts}
        assert await runtime.ledger.reconcile_unknown(accounts, runtime.safety.policy) == 1
        legs = (await gw.client.get(f"/api/v1/requests/{body['request_id']}")).json()
        settled = legs["data"]["legs"][0]
        assert settled["state"] == "acknowledged"
        assert settled["broker_order_id"] == broker_of(gw).orders()[0].order_id
        assert sum(tags_in_book(gw).values()) == 1


async def test_funds_rejection_never_reaches_the_order_endpoint(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": {"starting_cash": "500"}}}
    ) as gw:
        r = await gw.client.post("/api/v1/orders", json=order(quantity=10))
        assert r.json()["results"][0]["error_code"] == "INSUFFICIENT_FUNDS"
        assert broker_of(gw).calls.count("place_order") == 0


async def test_lot_and_tick_checks_reject_fast(paper: InProcessGateway) -> None:
    lot = await paper.client.post(
        "/api/v1/orders",
        json=order(exchange="NFO", symbol=_nifty_future(paper), quantity=10, product="NRML"),
    )
    assert lot.json()["results"][0]["error_code"] == "INVALID_LOT_SIZE"
    tick = await paper.client.post("/api/v1/orders", json=order(order_type="LIMIT", price="700.03"))
    assert tick.json()["results"][0]["error_code"] == "INVALID_TICK_SIZE"
    untradable = await paper.client.post("/api/v1/orders", json=order(symbol="DHFL"))
    assert untradable.json()["results"][0]["error_code"] == "INSTRUMENT_NOT_TRADABLE"
    assert broker_of(paper).calls.count("place_order") == 0


def state_of(breaker: AccountBreaker) -> BreakerState:
    """Reads the state afresh: mypy would keep ``breaker.state`` narrowed by an earlier
    assert, though calls and the clock move it on."""
    return breaker.state


def _nifty_future(gw: InProcessGateway) -> str:
    broker = broker_of(gw)
    symbols = [i.symbol for i in broker.instruments()]
    return next(s for s in symbols if s.startswith("NIFTY") and s.endswith("FUT"))


async def test_breaker_opens_rejects_fast_and_closes_after_a_good_probe(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway(
        breaker_fail_max=3,
        breaker_window_seconds=60,
        breaker_reset_seconds=0.2,
        request_deadline_seconds=0.3,
    ) as gw:
        breaker = gw.runtime.accounts.get("paper").breaker
        assert breaker is not None
        # Business errors never count, however many.
        for _ in range(5):
            missing = await gw.client.get("/api/v1/orders/paper/NO-SUCH-ORDER")
            assert missing.json()["error_code"] == "ORDER_NOT_FOUND"
        assert breaker.state == "CLOSED"

        broker_of(gw).faults.fail_next(FaultKind.UNAVAILABLE, 50, operations={"get_funds"})
        codes = []
        for _ in range(10):
            result = (await gw.client.get("/api/v1/funds")).json()["results"][0]
            codes.append(result["error_code"])
            if state_of(breaker) == "OPEN":
                break
        assert state_of(breaker) == "OPEN", codes
        reached = broker_of(gw).calls.count("get_funds")
        fast = (await gw.client.get("/api/v1/funds")).json()["results"][0]
        assert fast["error_code"] == "BROKER_CIRCUIT_OPEN"
        assert fast["retryable"] is True
        assert broker_of(gw).calls.count("get_funds") == reached

        broker_of(gw).faults.clear()
        await asyncio.sleep(0.25)
        ok = (await gw.client.get("/api/v1/funds")).json()["results"][0]
        assert ok["status"] == "success"
        assert breaker.state == "CLOSED"


async def test_limiter_keeps_the_broker_within_its_quota(make_gateway: GatewayFactory) -> None:
    settings = {"orders_per_second": 5, "orders_per_minute": 100}
    async with make_gateway({"paper": {"adapter": "mock", "settings": settings}}) as gw:
        responses = await place_many(gw, [f"burst-{i}" for i in range(12)])
        assert all(r.json()["status"] == "success" for r in responses)
        calls = broker_of(gw).calls
        assert calls.max_in_window(1.0, "place_order") <= 5


async def test_kill_switch_under_load(make_gateway: GatewayFactory) -> None:
    settings = {"orders_per_second": 2, "orders_per_minute": 100}
    async with make_gateway({"paper": {"adapter": "mock", "settings": settings}}) as gw:
        tasks = [
            asyncio.create_task(
                gw.client.post(
                    "/api/v1/orders", json=order(), headers={"Idempotency-Key": f"ks{i}"}
                )
            )
            for i in range(10)
        ]
        await asyncio.sleep(0.3)
        on = await gw.client.post("/api/v1/kill-switch", json={"reason": "runaway strategy"})
        assert on.status_code == 200
        started_at_activation = broker_of(gw).calls.count("place_order")
        results = await asyncio.gather(*tasks)
        assert broker_of(gw).calls.count("place_order") == started_at_activation
        outcomes = Counter(_outcome(r.json()) for r in results)
        assert outcomes["KILL_SWITCH_ACTIVE"] >= 1, outcomes
        assert set(outcomes) <= {"success", "KILL_SWITCH_ACTIVE"}, outcomes
        blocked = await gw.client.post("/api/v1/orders", json=order())
        assert blocked.status_code == 423
        assert blocked.json()["error_code"] == "KILL_SWITCH_ACTIVE"


def _outcome(body: dict[str, Any]) -> str:
    if "results" not in body:
        return str(body["error_code"])
    leg = body["results"][0]
    return "success" if leg["status"] == "success" else str(leg["error_code"])


async def test_kill_switch_persists_cancels_pass_and_cancel_open_orders(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway() as gw:
        low = "100.00"
        placed = await gw.client.post("/api/v1/orders", json=order(order_type="LIMIT", price=low))
        order_id = placed.json()["results"][0]["data"]["order_id"]

        on = await gw.client.post("/api/v1/kill-switch", json={"reason": "eod"})
        state = on.json()["data"]
        assert state["active"] is True
        assert state["actor"] == "default"
        modify = await gw.client.patch(f"/api/v1/orders/paper/{order_id}", json={"price": low})
        assert modify.json()["error_code"] == "KILL_SWITCH_ACTIVE"
        cancel = await gw.client.delete(f"/api/v1/orders/paper/{order_id}")
        assert cancel.json()["status"] == "success"
    async with make_gateway() as gw:
        state = (await gw.client.get("/api/v1/kill-switch")).json()["data"]
        assert state["active"] is True
        assert state["reason"] == "eod"
        broker = broker_of(gw)
        assert broker.orders() == []  # a new paper broker per start
        off = await gw.client.request("DELETE", "/api/v1/kill-switch", json={"reason": "next day"})
        assert off.json()["data"]["active"] is False
        low = "100.00"
        for _ in range(2):
            await gw.client.post("/api/v1/orders", json=order(order_type="LIMIT", price=low))
        on = await gw.client.post(
            "/api/v1/kill-switch", json={"reason": "panic", "cancel_open_orders": True}
        )
        cancelled = on.json()["data"]["cancelled"]
        assert cancelled[0]["status"] == "success", cancelled[0]["message"]
        assert len(cancelled[0]["data"]["cancelled"]) == 2
        assert all(o.status.value == "CANCELLED" for o in broker.orders())


async def test_reservations_are_released_after_every_leg(make_gateway: GatewayFactory) -> None:
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": {**UNLIMITED, "starting_cash": "100000"}}}
    ) as gw:
        # Far more orders than the cash could hold at once if reservations leaked.
        responses = await place_many(gw, [f"res-{i}" for i in range(40)], concurrency=5)
        assert all(r.json()["status"] == "success" for r in responses[:5])
        assert gw.runtime.safety.reservations.total("paper") == 0
        limit = await gw.client.post(
            "/api/v1/orders", json=order(order_type="LIMIT", price="100.00", quantity=5)
        )
        assert limit.json()["status"] == "success"
        assert gw.runtime.safety.reservations.total("paper") == 0


async def test_ledger_states_for_failed_and_rejected_legs(make_gateway: GatewayFactory) -> None:
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": UNLIMITED}},
        breaker_fail_max=1,
        request_deadline_seconds=0.2,
    ) as gw:
        broker = broker_of(gw)
        broker.faults.fail_next(FaultKind.UNAVAILABLE, 50, operations={"place_order"})
        failed = (await gw.client.post("/api/v1/orders", json=order())).json()
        legs = (await gw.client.get(f"/api/v1/requests/{failed['request_id']}")).json()
        assert legs["data"]["legs"][0]["state"] == "failed"
        assert failed["results"][0]["retryable"] is True
        assert broker.orders() == []


async def test_cached_funds_minus_spent_orders_decide_the_next_order(
    make_gateway: GatewayFactory,
) -> None:
    # Funds are read once and kept; an order placed since then still counts against them,
    # so the next one is refused before the broker although the cache predates the first.
    async with make_gateway(
        {"paper": {"adapter": "mock", "settings": {**UNLIMITED, "starting_cash": "10000"}}},
        funds_cache_ttl_seconds=3600,
    ) as gw:
        limit = {"order_type": "LIMIT", "price": "1000.00"}
        first = await gw.client.post("/api/v1/orders", json=order(quantity=6, **limit))
        assert first.json()["status"] == "success", first.json()
        second = await gw.client.post("/api/v1/orders", json=order(quantity=6, **limit))
        assert second.json()["results"][0]["error_code"] == "INSUFFICIENT_FUNDS"
        third = await gw.client.post("/api/v1/orders", json=order(quantity=3, **limit))
        assert third.json()["status"] == "success", third.json()
        broker = broker_of(gw)
        assert broker.calls.count("get_funds") == 1
        assert broker.calls.count("place_order") == 2
        assert gw.runtime.safety.reservations.total("paper") == 0
        assert gw.runtime.safety.reservations.spent("paper") == 9000
