"""Breaker and retry together against the paper broker's fault injection.

Transient faults (``BrokerUnavailable``, ``RateLimited``) are retried until the order
lands exactly once; business errors neither retry nor trip the breaker; a broker that keeps
failing opens the breaker, which then refuses calls without reaching the broker.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import (
    BrokerError,
    InstrumentNotFound,
    InsufficientFunds,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
)
from ordo.domain import OrderAck, OrderRequest
from ordo.errors import CircuitOpen
from ordo.safety.breaker import AccountBreaker, BreakerState
from ordo.safety.deadline import Deadline
from ordo.safety.retry import RetryPolicy, call_with_retry
from ordo.safety.tags import order_tag

pytest.importorskip("ordo_adapter_mock")
from ordo_adapter_mock import FaultKind, MockAdapter, MockSettings


class FakeTime:
    """One clock for deadline and breaker; sleeping advances it instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def buy(
    symbol: str = "SBIN", quantity: int = 1, exchange: str = "NSE", price: str | None = None
) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "exchange": exchange,
            "symbol": symbol,
            "side": "BUY",
            "quantity": quantity,
            "order_type": "MARKET" if price is None else "LIMIT",
            "price": price,
            "product": "CNC",
        }
    )


async def paper(tmp_path: Path, **settings: object) -> MockAdapter:
    adapter = MockAdapter(
        MockSettings.model_validate({"seed": 11, "as_of": date(2025, 1, 15), **settings}),
        AdapterContext(account="paper", data_dir=tmp_path),
    )
    await adapter.begin_login()
    adapter.broker.set_price("NSE:SBIN", "800")
    return adapter


def breaker_for(t: FakeTime, fail_max: int = 3) -> AccountBreaker:
    return AccountBreaker(
        "paper", fail_max=fail_max, window_seconds=10, reset_seconds=30, clock=t.clock
    )


def state_of(breaker: AccountBreaker) -> BreakerState:
    """Reads the state afresh: mypy would keep ``breaker.state`` narrowed by an earlier
    assert, though calls and the clock move it on."""
    return breaker.state


async def place(
    adapter: MockAdapter,
    breaker: AccountBreaker,
    t: FakeTime,
    order: OrderRequest,
    tag: str,
    *,
    seed: int = 0,
    retries: list[BaseException] | None = None,
) -> OrderAck:
    return await call_with_retry(
        lambda: breaker.call(lambda: adapter.place_order(order, tag)),
        deadline=Deadline.after(10, clock=t.clock),
        policy=RetryPolicy(rng=random.Random(seed)),
        sleep=t.sleep,
        on_retry=(lambda _n, exc, _w: retries.append(exc)) if retries is not None else None,
    )


async def test_transient_faults_are_retried_into_exactly_one_order_each(tmp_path: Path) -> None:
    adapter = await paper(
        tmp_path,
        faults={"unavailable": 0.15, "rate_limited": 0.15, "retry_after_seconds": 0.2},
    )
    t = FakeTime()
    # Generous threshold: this test is about retries; the breaker must stay out of the way
    # of a broker that fails 30% of calls but keeps answering.
    breaker = breaker_for(t, fail_max=500)
    retries: list[BaseException] = []
    tags = [order_tag("token-a", f"key-{i}", "0") for i in range(300)]
    acks = []
    for i, tag in enumerate(tags):
        acks.append(await place(adapter, breaker, t, buy(), tag, seed=i, retries=retries))
        t.now += 0.05  # orders arrive over time

    assert len(acks) == 300
    injected = adapter.broker.faults.injected
    assert injected[FaultKind.UNAVAILABLE] > 20
    assert injected[FaultKind.RATE_LIMITED] > 20
    assert len(retries) == injected[FaultKind.UNAVAILABLE] + injected[FaultKind.RATE_LIMITED]
    # Every tag is in the book exactly once: retries never duplicated an order.
    book = Counter(order.tag for order in adapter.broker.orders())
    assert set(book) == set(tags)
    assert set(book.values()) == {1}
    assert {ack.order_id for ack in acks} == {o.order_id for o in adapter.broker.orders()}
    assert breaker.state == "CLOSED"
    # A 429 proves the broker is up: only BrokerUnavailable counts against the breaker.
    assert breaker.snapshot()["total_failures"] == injected[FaultKind.UNAVAILABLE]


async def test_rate_limited_retries_honour_retry_after(tmp_path: Path) -> None:
    adapter = await paper(tmp_path)
    adapter.broker.faults.fail_next(
        FaultKind.RATE_LIMITED, 2, operations={"place_order"}, retry_after=1.5
    )
    t = FakeTime()
    waits: list[float] = []
    ack = await call_with_retry(
        lambda: adapter.place_order(buy(), "OTAG1"),
        deadline=Deadline.after(10, clock=t.clock),
        policy=RetryPolicy(rng=random.Random(0)),
        sleep=t.sleep,
        on_retry=lambda _n, _exc, wait: waits.append(wait),
    )
    assert ack.order_id
    assert waits == [1.5, 1.5]
    assert adapter.broker.calls.count("place_order") == 3
    assert len(adapter.broker.orders_by_tag("OTAG1")) == 1

    adapter.broker.faults.fail_next(FaultKind.RATE_LIMITED, operations={"place_order"})
    adapter.broker.faults.fail_next(
        FaultKind.RATE_LIMITED, operations={"place_order"}, retry_after=60
    )
    with pytest.raises(RateLimited):
        await call_with_retry(
            lambda: adapter.place_order(buy(), "OTAG2"),
            deadline=Deadline.after(10, clock=t.clock),
            policy=RetryPolicy(rng=random.Random(0)),
            sleep=t.sleep,
        )
    assert adapter.broker.orders_by_tag("OTAG2") == []


@pytest.mark.parametrize(
    ("order", "error"),
    [
        (buy(quantity=1_000_000), InsufficientFunds),
        (buy(symbol="NOSUCHSTOCK"), InstrumentNotFound),
        (buy(price="800.03"), OrderRejected),  # off the tick size
    ],
)
async def test_business_errors_neither_retry_nor_trip_the_breaker(
    tmp_path: Path, order: OrderRequest, error: type[BrokerError]
) -> None:
    adapter = await paper(tmp_path)
    t = FakeTime()
    breaker = breaker_for(t, fail_max=3)
    for i in range(10):
        with pytest.raises(error):
            await place(adapter, breaker, t, order, f"OBAD{i}")
    assert adapter.broker.calls.count("place_order") == 10  # one call each, no retries
    assert breaker.state == "CLOSED"
    assert breaker.failures_in_window() == 0
    # The breaker still lets good orders through.
    assert (await place(adapter, breaker, t, buy(), "OGOOD")).order_id


async def test_suspended_instrument_rejection_does_not_count(tmp_path: Path) -> None:
    adapter = await paper(tmp_path)
    suspended = next(i for i in adapter.broker.instruments() if not i.tradable)
    t = FakeTime()
    breaker = breaker_for(t, fail_max=1)
    with pytest.raises(OrderRejected):
        await place(
            adapter,
            breaker,
            t,
            buy(symbol=suspended.symbol, exchange=suspended.exchange.value),
            "OSUSP",
        )
    assert breaker.state == "CLOSED"


async def test_a_failing_broker_opens_the_breaker_which_then_fails_fast(tmp_path: Path) -> None:
    adapter = await paper(tmp_path)
    adapter.broker.faults.fail_next(FaultKind.UNAVAILABLE, 3, operations={"place_order"})
    t = FakeTime()
    breaker = breaker_for(t, fail_max=3)
    # One request: its retries are the failures that trip the breaker; the retry after
    # the trip is refused fast with CircuitOpen, which is not retried.
    with pytest.raises(CircuitOpen) as caught:
        await place(adapter, breaker, t, buy(), "OTRIP")
    assert caught.value.retry_after > 0
    assert breaker.state == "OPEN"
    assert adapter.broker.calls.count("place_order") == 3
    for i in range(5):
        with pytest.raises(CircuitOpen):
            await place(adapter, breaker, t, buy(), f"OFAST{i}")
    assert adapter.broker.calls.count("place_order") == 3  # nothing reached the broker
    assert adapter.broker.orders() == []

    t.now += 30
    assert state_of(breaker) == "HALF-OPEN"
    ack = await place(adapter, breaker, t, buy(), "OPROBE")
    assert state_of(breaker) == "CLOSED"
    assert [o.order_id for o in adapter.broker.orders()] == [ack.order_id]


async def test_outcome_unknown_is_not_retried_because_the_order_may_exist(tmp_path: Path) -> None:
    adapter = await paper(tmp_path)
    adapter.broker.faults.fail_next(FaultKind.OUTCOME_UNKNOWN, operations={"place_order"})
    t = FakeTime()
    breaker = breaker_for(t, fail_max=3)
    with pytest.raises(OutcomeUnknown):
        await place(adapter, breaker, t, buy(), "OLOST")
    assert adapter.broker.calls.count("place_order") == 1
    # The order took effect: a blind retry would have duplicated it. Reconciliation by
    # tag (the orchestrator's job) finds it.
    found = await adapter.find_orders_by_tag("OLOST")
    assert len(found) == 1
    assert found[0].quantity == 1
    assert breaker.failures_in_window() == 1
