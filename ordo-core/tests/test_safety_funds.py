"""Funds cache (single flight, TTL) and reservations for orders in flight."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ordo.domain import Funds
from ordo.safety.funds import FundsCache, Reservations


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Broker:
    def __init__(self, available: str = "100000") -> None:
        self.available = Decimal(available)
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.error: Exception | None = None

    async def get_funds(self) -> Funds:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return Funds(available=self.available, total=self.available)


async def test_concurrent_callers_share_one_fetch() -> None:
    cache = FundsCache(ttl_seconds=5, clock=FakeClock())
    broker = Broker()
    broker.gate = asyncio.Event()
    callers = [asyncio.create_task(cache.get("acct", broker.get_funds)) for _ in range(25)]
    await asyncio.sleep(0)
    broker.gate.set()
    results = await asyncio.gather(*callers)
    assert broker.calls == 1
    assert {r.available for r in results} == {Decimal(100000)}


async def test_cached_for_ttl_then_refetched() -> None:
    clock = FakeClock()
    cache = FundsCache(ttl_seconds=5, clock=clock)
    broker = Broker()
    await cache.get("acct", broker.get_funds)
    broker.available = Decimal(5)
    clock.now = 4.9
    assert (await cache.get("acct", broker.get_funds)).available == Decimal(100000)
    assert cache.peek("acct") is not None
    clock.now = 5.0
    assert cache.peek("acct") is None
    assert (await cache.get("acct", broker.get_funds)).available == Decimal(5)
    assert broker.calls == 2


async def test_accounts_are_cached_separately() -> None:
    cache = FundsCache(ttl_seconds=5, clock=FakeClock())
    a, b = Broker("1"), Broker("2")
    assert (await cache.get("a", a.get_funds)).available == 1
    assert (await cache.get("b", b.get_funds)).available == 2
    assert (a.calls, b.calls) == (1, 1)


async def test_invalidate_forces_a_fetch_and_ignores_a_stale_one() -> None:
    cache = FundsCache(ttl_seconds=60, clock=FakeClock())
    broker = Broker()
    await cache.get("acct", broker.get_funds)
    cache.invalidate("acct")
    broker.available = Decimal(7)
    assert (await cache.get("acct", broker.get_funds)).available == 7
    assert broker.calls == 2

    # A fetch that began before invalidate() must not refill the cache.
    broker.gate = asyncio.Event()
    cache.invalidate("acct")
    stale = asyncio.create_task(cache.get("acct", broker.get_funds))
    await asyncio.sleep(0)
    cache.invalidate("acct")
    broker.gate.set()
    await stale
    assert cache.peek("acct") is None


async def test_errors_reach_every_caller_and_are_not_cached() -> None:
    cache = FundsCache(ttl_seconds=60, clock=FakeClock())
    broker = Broker()
    broker.gate = asyncio.Event()
    broker.error = RuntimeError("broker down")
    callers = [asyncio.create_task(cache.get("acct", broker.get_funds)) for _ in range(3)]
    await asyncio.sleep(0)
    broker.gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert broker.calls == 1
    broker.error = None
    assert (await cache.get("acct", broker.get_funds)).available == Decimal(100000)
    assert broker.calls == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch() -> None:
    cache = FundsCache(ttl_seconds=60, clock=FakeClock())
    broker = Broker()
    broker.gate = asyncio.Event()
    first = asyncio.create_task(cache.get("acct", broker.get_funds))
    second = asyncio.create_task(cache.get("acct", broker.get_funds))
    await asyncio.sleep(0)
    first.cancel()
    broker.gate.set()
    assert (await second).available == Decimal(100000)
    assert first.cancelled()
    assert broker.calls == 1


def test_negative_ttl_is_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        FundsCache(ttl_seconds=-1)


def test_reservations_add_up_and_release_once() -> None:
    reservations = Reservations()
    a = reservations.reserve("acct", Decimal("1000.50"))
    b = reservations.reserve("acct", Decimal("250"))
    other = reservations.reserve("other", Decimal("5"))
    assert reservations.total("acct") == Decimal("1250.50")
    assert reservations.count("acct") == 2
    reservations.release(a)
    reservations.release(a)  # twice is harmless
    assert reservations.total("acct") == Decimal("250")
    reservations.release(b)
    assert reservations.total("acct") == Decimal(0)
    assert reservations.total("other") == Decimal(5)
    reservations.release(other)
    assert reservations.total("nobody") == Decimal(0)


def test_negative_reservation_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Reservations().reserve("acct", Decimal(-1))


def test_try_reserve_cannot_overspend() -> None:
    reservations = Reservations()
    available = Decimal(1000)
    taken = [reservations.try_reserve("acct", Decimal(300), available) for _ in range(5)]
    assert [t is not None for t in taken] == [True, True, True, False, False]
    assert reservations.total("acct") == Decimal(900)


async def test_hold_releases_even_when_the_order_fails() -> None:
    reservations = Reservations()
    async with reservations.hold("acct", Decimal(400)) as token:
        assert token.amount == Decimal(400)
        assert reservations.total("acct") == Decimal(400)
    assert reservations.total("acct") == Decimal(0)
    with pytest.raises(RuntimeError):
        async with reservations.hold("acct", Decimal(400)):
            raise RuntimeError("broker exploded")
    assert reservations.total("acct") == Decimal(0)


async def test_a_burst_cannot_overspend_between_refreshes() -> None:
    # Funds checked against the cached figure minus what orders in flight hold.
    cache = FundsCache(ttl_seconds=60, clock=FakeClock())
    reservations = Reservations()
    broker = Broker("1000")
    sent: list[int] = []
    release = asyncio.Event()

    async def order(i: int) -> None:
        funds = await cache.get("acct", broker.get_funds)
        token = reservations.try_reserve("acct", Decimal(300), funds.available)
        if token is None:
            return
        try:
            sent.append(i)
            await release.wait()  # the broker call
        finally:
            reservations.release(token)

    tasks = [asyncio.create_task(order(i)) for i in range(10)]
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*tasks)
    assert len(sent) == 3
    assert broker.calls == 1


def test_spent_orders_count_until_funds_are_read_after_them() -> None:
    reservations = Reservations()
    available = Decimal(1000)
    first = reservations.try_reserve("acct", Decimal(600), available)
    assert first is not None
    reservations.spend(first)
    # The order reached the broker: no longer in flight, still not in the cached funds.
    assert reservations.total("acct") == Decimal(0)
    assert reservations.spent("acct") == Decimal(600)
    assert reservations.committed("acct") == Decimal(600)
    assert reservations.try_reserve("acct", Decimal(500), available) is None
    mark = reservations.mark()
    second = reservations.try_reserve("acct", Decimal(300), available)
    assert second is not None
    reservations.spend(second)  # spent while the funds read below was under way
    reservations.spend(second)  # twice is harmless
    reservations.funds_read("acct", mark)
    # The read began after the first order: it shows that one, not the second.
    assert reservations.spent("acct") == Decimal(300)
    reservations.funds_read("acct", reservations.mark())
    assert reservations.committed("acct") == Decimal(0)
    assert reservations.committed("other") == Decimal(0)
