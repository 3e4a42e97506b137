"""Call counting, time windows and optional quota enforcement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext, RateLimit, RateScope
from ordo.adapters.errors import RateLimited
from ordo.domain import OrderRequest
from ordo_adapter_mock import CallRecorder, MockAdapter, MockSettings, PaperBroker

Req = Callable[..., OrderRequest]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def recorder_with(times: list[float], operation: str = "place_order") -> CallRecorder:
    clock = FakeClock()
    recorder = CallRecorder(clock)
    for at in times:
        clock.now = at
        recorder.start(operation)
    return recorder


def test_count_by_operation_scope_and_reach() -> None:
    clock = FakeClock()
    recorder = CallRecorder(clock)
    recorder.start("place_order").reached = True
    recorder.start("cancel_order")
    recorder.start("get_quotes").reached = True
    recorder.start("begin_login")
    assert recorder.count() == 4
    assert recorder.count("place_order") == 1
    assert recorder.count("orders") == 2
    assert recorder.count(RateScope.ORDERS, reached=True) == 1
    assert recorder.count("quotes") == 1
    assert recorder.count("all") == 4
    assert recorder.counts() == {
        "place_order": 1,
        "cancel_order": 1,
        "get_quotes": 1,
        "begin_login": 1,
    }
    recorder.reset()
    assert recorder.count() == 0


@pytest.mark.parametrize(
    ("times", "seconds", "expected"),
    [
        ([], 1.0, 0),
        ([0.0], 1.0, 1),
        ([0.0, 0.5, 0.99, 1.0, 1.2], 1.0, 4),
        ([0.0, 0.5, 0.99, 1.0, 1.6], 1.0, 3),
        ([0.0, 1.0, 2.0, 3.0], 1.0, 1),
        ([0.0, 1.0, 2.0, 3.0], 1.01, 2),
        ([0.0] * 10 + [0.999], 1.0, 11),
        ([float(i) / 10 for i in range(100)], 1.0, 10),
        ([float(i) / 10 for i in range(100)], 60.0, 100),
    ],
)
def test_max_in_window(times: list[float], seconds: float, expected: int) -> None:
    assert recorder_with(times).max_in_window(seconds, "orders") == expected


def test_max_in_window_filters_by_selector() -> None:
    recorder = recorder_with([0.0, 0.1, 0.2])
    recorder.start("get_funds")
    assert recorder.max_in_window(1.0, "get_funds") == 1
    assert recorder.max_in_window(1.0, "reads") == 1
    assert recorder.max_in_window(1.0, "quotes") == 0
    assert recorder.max_in_window(1.0) == 4


def test_retry_after_names_the_wait_for_the_oldest_call() -> None:
    recorder = recorder_with([0.0, 0.2, 0.4])
    limits = (RateLimit(3, 1.0, RateScope.ORDERS),)
    recorder._clock = lambda: 0.5  # the next arrival time
    record = recorder.start("place_order")
    assert recorder.retry_after(record, limits) == pytest.approx(0.5)
    quotes = recorder.start("get_quotes")
    assert recorder.retry_after(quotes, limits) is None


async def test_attempts_are_recorded_even_when_refused(
    adapter: MockAdapter, make_request: Req
) -> None:
    with pytest.raises(Exception, match="not logged in"):
        await adapter.place_order(make_request(), "X1")
    await adapter.begin_login()
    await adapter.place_order(make_request(), "X2")
    calls = adapter.broker.calls
    assert calls.count("place_order") == 2
    assert calls.count("place_order", reached=True) == 1
    assert calls.outcomes("place_order") == {"SESSION_EXPIRED": 1, "ok": 1}


async def test_local_lookups_are_not_broker_calls(adapter: MockAdapter) -> None:
    await adapter.get_instrument(adapter.broker.instruments()[0].ref)
    await adapter.search_instruments("SBI")
    assert adapter.broker.calls.count() == 0


async def test_enforced_quota_refuses_the_eleventh_order_in_a_second(
    tmp_path: Path, make_request: Req
) -> None:
    clock = FakeClock()
    settings = MockSettings(enforce_rate_limits=True, orders_per_second=10, orders_per_minute=None)
    broker = PaperBroker.from_settings(settings, calls=CallRecorder(clock))
    adapter = MockAdapter(settings, AdapterContext("quota", tmp_path), broker=broker)
    assert adapter.rate_limits == (RateLimit(10, 1.0, RateScope.ORDERS),)
    await adapter.begin_login()
    for n in range(10):
        clock.now = 100.0 + n * 0.05
        await adapter.place_order(make_request(quantity=1), f"Q{n}")
    clock.now = 100.6
    await adapter.get_funds()  # reads are outside the order quota
    with pytest.raises(RateLimited) as caught:
        await adapter.place_order(make_request(quantity=1), "Q10")
    assert caught.value.retry_after == pytest.approx(0.4)
    clock.now = 101.0
    await adapter.place_order(make_request(quantity=1), "Q11")
    assert broker.calls.max_in_window(1.0, "orders", reached=True) == 10
    assert len(broker.orders()) == 11


async def test_quotas_default_and_configure(tmp_path: Path) -> None:
    assert MockAdapter.declared_rate_limits == (
        RateLimit(10, 1.0, RateScope.ORDERS),
        RateLimit(200, 60.0, RateScope.ORDERS),
    )
    custom = MockAdapter(
        MockSettings(orders_per_second=3, orders_per_minute=50), AdapterContext("q", tmp_path)
    )
    assert custom.rate_limits == (
        RateLimit(3, 1.0, RateScope.ORDERS),
        RateLimit(50, 60.0, RateScope.ORDERS),
    )
    assert MockAdapter.declared_rate_limits[0].max_calls == 10  # the class default is untouched
