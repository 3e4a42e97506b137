"""Fault injection and simulated latency through the adapter."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import (
    BrokerError,
    BrokerUnavailable,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.domain import OrderRequest, OrderStatus, Side
from ordo_adapter_mock import FaultKind, FaultSettings, MockAdapter, MockSettings
from ordo_adapter_mock.faults import CallKind, FaultInjector, Latency
from pydantic import ValidationError

Req = Callable[..., OrderRequest]


def make(tmp_path: Path, sleep: list[float] | None = None, **options: object) -> MockAdapter:
    settings = MockSettings.model_validate({"seed": 9, **options})
    if sleep is None:
        return MockAdapter(settings, AdapterContext("faults", tmp_path))

    async def record(seconds: float) -> None:
        sleep.append(seconds)

    return MockAdapter(settings, AdapterContext("faults", tmp_path), sleep=record)


async def test_unavailable_fails_before_any_effect(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    adapter.broker.faults.fail_next(FaultKind.UNAVAILABLE)
    with pytest.raises(BrokerUnavailable) as caught:
        await adapter.place_order(make_request(), "TAGA")
    assert caught.value.retryable
    assert adapter.broker.orders() == []
    ack = await adapter.place_order(make_request(), "TAGA")
    assert ack.status is OrderStatus.FILLED
    assert adapter.broker.calls.count("place_order") == 2
    assert adapter.broker.calls.count("place_order", reached=True) == 1


async def test_rate_limited_carries_retry_after(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    adapter.broker.faults.fail_next(FaultKind.RATE_LIMITED, retry_after=2.5)
    with pytest.raises(RateLimited) as caught:
        await adapter.place_order(make_request(), "TAGB")
    assert caught.value.retry_after == 2.5
    assert adapter.broker.orders() == []


async def test_outcome_unknown_happens_after_the_order_took_effect(
    adapter: MockAdapter, make_request: Req
) -> None:
    await adapter.begin_login()
    adapter.broker.faults.fail_next(FaultKind.OUTCOME_UNKNOWN)
    await adapter.get_funds()  # reads never lose a write's reply: the fault waits
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(make_request(quantity=3), "TAGC")
    [order] = await adapter.find_orders_by_tag("TAGC")
    assert (order.status, order.quantity) == (OrderStatus.FILLED, 3)
    assert adapter.broker.calls.outcomes("place_order") == {"OUTCOME_UNKNOWN": 1}


async def test_outcome_unknown_on_a_rejection_still_books_it(
    adapter: MockAdapter, make_request: Req
) -> None:
    await adapter.begin_login()
    adapter.broker.faults.fail_next(FaultKind.OUTCOME_UNKNOWN)
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(make_request(symbol="DHFL"), "TAGD")
    [order] = await adapter.find_orders_by_tag("TAGD")
    assert order.status is OrderStatus.REJECTED


async def test_outcome_unknown_on_cancel_cancels(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    adapter.broker.set_price("NSE:SBIN", "800")
    ack = await adapter.place_order(make_request(order_type="LIMIT", price="400"), "TAGE")
    assert ack.status is OrderStatus.OPEN
    adapter.broker.faults.fail_next(FaultKind.OUTCOME_UNKNOWN, operations={"cancel_order"})
    with pytest.raises(OutcomeUnknown):
        await adapter.cancel_order(ack.order_id)
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.CANCELLED


async def test_session_expiry_fault_ends_the_session(
    adapter: MockAdapter, make_request: Req
) -> None:
    await adapter.begin_login()
    adapter.broker.faults.fail_next(FaultKind.SESSION_EXPIRY, operations={"get_positions"})
    await adapter.get_funds()
    with pytest.raises(SessionExpired):
        await adapter.get_positions()
    with pytest.raises(SessionExpired):
        await adapter.get_funds()
    await adapter.begin_login()
    await adapter.get_funds()


async def test_scripted_faults_count_down_and_filter_operations(adapter: MockAdapter) -> None:
    await adapter.begin_login()
    faults = adapter.broker.faults
    faults.fail_next(FaultKind.UNAVAILABLE, 2, operations={"get_holdings"})
    assert faults.pending == 2
    await adapter.get_funds()
    for _ in range(2):
        with pytest.raises(BrokerUnavailable):
            await adapter.get_holdings()
    assert await adapter.get_holdings() == []
    assert faults.pending == 0
    assert faults.injected[FaultKind.UNAVAILABLE] == 2


async def test_login_steps_only_see_transport_faults(adapter: MockAdapter) -> None:
    adapter.broker.faults.fail_next(FaultKind.SESSION_EXPIRY)
    adapter.broker.faults.fail_next(FaultKind.UNAVAILABLE)
    with pytest.raises(BrokerUnavailable):
        await adapter.begin_login()
    await adapter.begin_login()
    with pytest.raises(SessionExpired):
        await adapter.get_funds()


async def test_probabilistic_faults_are_reproducible(tmp_path: Path) -> None:
    async def run() -> list[str]:
        adapter = make(tmp_path, faults={"unavailable": 0.2, "rate_limited": 0.1})
        while adapter.session is None:  # the login itself may be faulted
            with contextlib.suppress(BrokerUnavailable, RateLimited):
                await adapter.begin_login()
        outcomes = []
        for _ in range(200):
            try:
                await adapter.get_funds()
                outcomes.append("ok")
            except BrokerError as exc:
                outcomes.append(exc.code)
        return outcomes

    first, second = await run(), await run()
    assert first == second
    assert 10 < first.count("BROKER_UNAVAILABLE") < 80
    assert 0 < first.count("RATE_LIMITED") < 50
    assert first.count("ok") > 100


async def test_certain_outcome_unknown_spares_reads(tmp_path: Path, make_request: Req) -> None:
    adapter = make(tmp_path, faults={"outcome_unknown": 1.0})
    await adapter.begin_login()
    await adapter.get_funds()
    for n in range(3):
        with pytest.raises(OutcomeUnknown):
            await adapter.place_order(make_request(quantity=1), f"T{n}")
    assert len(await adapter.list_orders()) == 3


def test_fault_settings_validate() -> None:
    with pytest.raises(ValidationError):
        FaultSettings(unavailable=1.5)
    with pytest.raises(ValidationError):
        MockSettings.model_validate({"faults": {"typo": 0.1}})
    with pytest.raises(ValueError, match="probability"):
        FaultInjector().set_probability(FaultKind.RATE_LIMITED, -0.1)
    with pytest.raises(ValueError, match="times"):
        FaultInjector().fail_next(FaultKind.RATE_LIMITED, 0)


def test_injector_draws_nothing_when_quiet() -> None:
    injector = FaultInjector(seed=1)
    assert all(injector.draw("get_funds", CallKind.READ) is None for _ in range(100))
    assert sum(injector.injected.values()) == 0


async def test_fixed_latency_is_applied_to_every_call(tmp_path: Path) -> None:
    slept: list[float] = []
    adapter = make(tmp_path, slept, latency_ms=25)
    await adapter.begin_login()
    await adapter.get_funds()
    assert slept == [0.025, 0.025]


async def test_jitter_is_seeded_and_bounded(tmp_path: Path) -> None:
    runs: list[list[float]] = []
    for _ in range(2):
        slept: list[float] = []
        adapter = make(tmp_path, slept, latency_ms=10, latency_jitter_ms=5)
        await adapter.begin_login()
        for _ in range(20):
            await adapter.get_funds()
        runs.append(slept)
    assert runs[0] == runs[1]
    assert all(0.010 <= s <= 0.015 for s in runs[0])
    assert len(set(runs[0])) > 1


async def test_zero_latency_never_sleeps(tmp_path: Path) -> None:
    slept: list[float] = []
    adapter = make(tmp_path, slept)
    await adapter.begin_login()
    await adapter.get_funds()
    assert slept == []


async def test_latency_really_sleeps(tmp_path: Path) -> None:
    adapter = make(tmp_path, latency_ms=1)
    await adapter.begin_login()  # uses asyncio.sleep: must simply work inside the loop
    assert adapter.session is not None


def test_latency_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="negative"):
        Latency(-1)
    assert Latency(0, 0).next_delay() == 0.0


async def test_rejections_are_not_faults(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    with pytest.raises(OrderRejected):
        await adapter.place_order(make_request(side=Side.SELL), "TAGF")
    assert adapter.broker.calls.outcomes("place_order") == {"ORDER_REJECTED": 1}
    assert adapter.broker.calls.count("place_order", reached=True) == 1
