"""Per-account rate limiter: exact windows, priorities, bounded queue, deadlines, pauses.

Timing tests run on a virtual-time event loop: when every task is waiting for a timer, the
loop jumps straight to the timer instead of sleeping. Tests are instant and deterministic,
and the limiter runs on real asyncio timers exactly as in production.
"""

from __future__ import annotations

import asyncio
import random
import selectors
from collections.abc import Callable, Coroutine, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from ordo.adapters.base import RateLimit, RateScope
from ordo.adapters.errors import RateLimited
from ordo.domain.segments import Segment
from ordo.errors import KillSwitchActive
from ordo.safety.deadline import Deadline
from ordo.safety.killswitch import KillSwitch, KillSwitchState
from ordo.safety.limiter import AccountLimiter, Priority
from ordo.safety.order_ceiling import OrderCeiling
from ordo.safety.shared_limits import SharedVerdict, WindowSpec

T = TypeVar("T")


class _VirtualSelector(selectors.BaseSelector):
    """Polls the real selector without blocking; a timed wait advances virtual time."""

    def __init__(self, advance: Callable[[float], None]) -> None:
        self._real = selectors.DefaultSelector()
        self._advance = advance

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("deadlock: every task waits and no timer is scheduled")
        self._advance(timeout)
        return []

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual_now = 0.0
        self.jumps = 0
        """How many times the loop jumped ahead to a timer: a limiter that polls shows
        up here as thousands of jumps."""
        super().__init__(_VirtualSelector(self._advance))

    def _advance(self, seconds: float) -> None:
        self.jumps += 1
        self._virtual_now += seconds

    def time(self) -> float:
        return self._virtual_now


def run(main: Callable[[], Coroutine[Any, Any, T]], max_jumps: int = 1000) -> T:
    loop = VirtualTimeLoop()
    try:
        result = loop.run_until_complete(main())
    finally:
        loop.close()
    assert loop.jumps <= max_jumps, f"the limiter woke {loop.jumps} times: polling?"
    return result


def now() -> float:
    return asyncio.get_running_loop().time()


def deadline(seconds: float) -> Deadline:
    return Deadline.after(seconds, clock=asyncio.get_running_loop().time)


def max_in_any_window(grants: list[float], period: float) -> int:
    """The most grants in any half-open window [t, t + period) starting at a grant."""
    ordered = sorted(grants)
    return max(sum(1 for u in ordered if t <= u < t + period) for t in ordered)


FYERS_LIKE = [RateLimit(10, 1.0), RateLimit(20, 60.0)]


def test_burst_never_exceeds_any_window() -> None:
    async def main() -> list[float]:
        limiter = AccountLimiter("fyers-main", FYERS_LIKE)
        grants: list[float] = []

        async def one() -> None:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(1000))
            grants.append(now())

        await asyncio.gather(*(one() for _ in range(50)))
        return grants

    grants = run(main, max_jumps=10)
    assert len(grants) == 50
    assert max_in_any_window(grants, 1.0) <= 10
    assert max_in_any_window(grants, 60.0) <= 20
    # A full burst goes at once, then exactly as fast as both windows allow.
    expected = [0.0] * 10 + [1.0] * 10 + [60.0] * 10 + [61.0] * 10 + [120.0] * 10
    assert sorted(grants) == pytest.approx(expected, abs=1e-3)


def test_scoped_windows_apply_only_to_their_scope() -> None:
    limits = [RateLimit(3, 1.0, RateScope.ORDERS), RateLimit(5, 1.0, RateScope.ALL)]

    async def main() -> dict[str, list[float]]:
        limiter = AccountLimiter("acct", limits)
        grants: dict[str, list[float]] = {"orders": [], "reads": []}

        async def one(scope: RateScope, priority: Priority, name: str) -> None:
            await limiter.acquire(scope, priority, deadline(100))
            grants[name].append(now())

        await asyncio.gather(
            *(one(RateScope.ORDERS, Priority.ORDER, "orders") for _ in range(9)),
            *(one(RateScope.READS, Priority.READ, "reads") for _ in range(6)),
        )
        return grants

    grants = run(main)
    assert max_in_any_window(grants["orders"], 1.0) <= 3
    assert max_in_any_window(grants["orders"] + grants["reads"], 1.0) <= 5
    assert len(grants["orders"]) == 9
    assert len(grants["reads"]) == 6


def test_cancels_go_before_orders_and_orders_before_reads() -> None:
    async def main() -> list[str]:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))  # window full
        order: list[str] = []

        async def one(name: str, scope: RateScope, priority: Priority) -> None:
            await limiter.acquire(scope, priority, deadline(100))
            order.append(name)

        tasks = []
        # Arrival order is the reverse of the service order.
        for name, scope, priority in [
            ("read1", RateScope.READS, Priority.READ),
            ("read2", RateScope.READS, Priority.READ),
            ("order1", RateScope.ORDERS, Priority.ORDER),
            ("order2", RateScope.ORDERS, Priority.ORDER),
            ("cancel1", RateScope.ORDERS, Priority.CANCEL),
        ]:
            tasks.append(asyncio.create_task(one(name, scope, priority)))
            await asyncio.sleep(0)
        assert limiter.waiting == 5
        await asyncio.gather(*tasks)
        return order

    assert run(main) == ["cancel1", "order1", "order2", "read1", "read2"]


def test_lower_priority_may_pass_only_through_an_unshared_window() -> None:
    limits = [RateLimit(1, 1.0, RateScope.ORDERS), RateLimit(5, 1.0, RateScope.QUOTES)]

    async def main() -> tuple[float, float]:
        limiter = AccountLimiter("acct", limits)
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        blocked = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        )
        await asyncio.sleep(0)
        quote_wait = await limiter.acquire(RateScope.QUOTES, Priority.READ, deadline(100))
        return quote_wait, await blocked

    quote_wait, order_wait = run(main, max_jumps=2)
    assert quote_wait == 0.0
    assert order_wait == pytest.approx(1.0)


def test_a_wait_past_the_deadline_fails_fast_without_consuming_capacity() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(2, 1.0)])
        for _ in range(2):
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        before = limiter.headroom()
        start = now()
        with pytest.raises(RateLimited) as caught:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(0.5))
        assert now() == start  # failed at once, no waiting
        assert caught.value.code == "RATE_LIMITED"
        assert caught.value.retry_after == pytest.approx(1.0)
        assert limiter.headroom() == before
        assert limiter.waiting == 0
        # A deadline long enough waits for the window instead.
        assert await limiter.acquire(
            RateScope.ORDERS, Priority.ORDER, deadline(1.5)
        ) == pytest.approx(1.0)

    run(main)


def test_waiter_pushed_back_by_higher_priorities_fails_at_its_deadline() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        read = asyncio.create_task(limiter.acquire(RateScope.READS, Priority.READ, deadline(1.5)))
        await asyncio.sleep(0)
        cancels = [
            asyncio.create_task(limiter.acquire(RateScope.ORDERS, Priority.CANCEL, deadline(10)))
            for _ in range(2)
        ]
        with pytest.raises(RateLimited):
            await read
        # Refused as soon as the first cancel took the slot at t=1 and the next free slot
        # (t=2) lay past the read's deadline (t=1.5): no need to wait for the deadline.
        assert now() == pytest.approx(1.0)
        assert await asyncio.gather(*cancels) == pytest.approx([1.0, 2.0])

    run(main)


def test_queue_is_bounded_and_a_cancel_evicts_a_read() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)], queue_size=3)
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        reads = [
            asyncio.create_task(limiter.acquire(RateScope.READS, Priority.READ, deadline(100)))
            for _ in range(3)
        ]
        await asyncio.sleep(0)
        assert limiter.waiting == 3
        with pytest.raises(RateLimited, match="queue is full"):
            await limiter.acquire(RateScope.READS, Priority.READ, deadline(100))
        cancel = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.CANCEL, deadline(100))
        )
        with pytest.raises(RateLimited, match="queue is full"):
            await reads[2]
        assert now() == 0.0  # evicted at once
        assert await cancel == pytest.approx(1.0)
        assert await asyncio.gather(*reads[:2]) == pytest.approx([2.0, 3.0])

    run(main)


def test_pause_holds_everyone_and_refuses_those_who_cannot_wait() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(100, 1.0)])
        short = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        )
        await short  # unpaused: immediate
        limiter.pause(2.0)
        assert limiter.paused_for == pytest.approx(2.0)
        impatient = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(1.0))
        )
        patient = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(5.0))
        )
        await asyncio.sleep(0)
        assert impatient.done()
        with pytest.raises(RateLimited) as caught:
            impatient.result()
        assert caught.value.retry_after == pytest.approx(2.0)
        assert await patient == pytest.approx(2.0)

    run(main)


def test_pause_refuses_already_queued_waiters_at_once() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        waiter = asyncio.create_task(limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(3)))
        await asyncio.sleep(0)
        limiter.pause(30)
        await asyncio.sleep(0)
        assert waiter.done()
        assert isinstance(waiter.exception(), RateLimited)
        assert now() == 0.0

    run(main)


def test_before_send_refusal_gives_the_slot_back() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])

        def refuse() -> None:
            raise KillSwitchActive(KillSwitchState(active=True, reason="test"), "place")

        with pytest.raises(KillSwitchActive):
            await limiter.acquire(
                RateScope.ORDERS, Priority.ORDER, deadline(10), before_send=refuse
            )
        assert limiter.headroom()[0]["available"] == 1
        assert await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10)) == 0.0

    run(main)


def test_kill_switch_refuses_orders_already_queued_but_not_cancels() -> None:
    async def main() -> dict[str, str]:
        state: KillSwitchState | None = None

        async def load() -> KillSwitchState | None:
            return state

        async def save(new: KillSwitchState) -> None:
            nonlocal state
            state = new

        switch = KillSwitch(load, save)
        await switch.start()
        limiter = AccountLimiter("acct", [RateLimit(2, 1.0)])
        outcome: dict[str, str] = {}
        broker_calls: list[str] = []

        async def send(name: str, kind: str, priority: Priority) -> None:
            try:
                await limiter.acquire(
                    RateScope.ORDERS,
                    priority,
                    deadline(100),
                    before_send=lambda: switch.ensure_allows(kind),  # type: ignore[arg-type]
                )
            except KillSwitchActive:
                outcome[name] = "refused"
                return
            broker_calls.append(name)
            outcome[name] = "sent"

        tasks = [
            asyncio.create_task(send(f"place{i}", "place", Priority.ORDER)) for i in range(6)
        ] + [asyncio.create_task(send("cancel", "cancel", Priority.CANCEL))]
        await asyncio.sleep(0)
        # The first two went at once; the rest wait for the window.
        assert broker_calls == ["place0", "place1"]
        await switch.activate("runaway strategy", "ops")
        await asyncio.gather(*tasks)
        assert broker_calls == ["place0", "place1", "cancel"]
        return outcome

    outcome = run(main)
    assert outcome == {
        "place0": "sent",
        "place1": "sent",
        "cancel": "sent",
        **{f"place{i}": "refused" for i in range(2, 6)},
    }


def test_a_cancelled_waiter_leaves_the_queue() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        first = asyncio.create_task(limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10)))
        second = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        )
        await asyncio.sleep(0)
        assert limiter.waiting == 2
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert limiter.waiting == 1
        assert await second == pytest.approx(1.0)

    run(main)


def test_headroom_and_snapshot() -> None:
    async def main() -> None:
        limiter = AccountLimiter(
            "acct", [RateLimit(10, 1.0), RateLimit(200, 60.0, RateScope.ORDERS)]
        )
        for _ in range(3):
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        await limiter.acquire(RateScope.READS, Priority.READ, deadline(10))
        assert limiter.headroom() == [
            {"scope": "all", "max_calls": 10, "period": 1.0, "available": 6},
            {"scope": "orders", "max_calls": 200, "period": 60.0, "available": 197},
        ]
        await asyncio.sleep(1.0)
        snap = limiter.snapshot()
        assert snap["windows"][0]["available"] == 10
        assert snap["windows"][1]["available"] == 197
        assert snap["granted"] == 4
        assert snap["waiting"] == 0
        assert snap["paused_for"] == 0.0

    run(main)


def test_margin_widens_every_window() -> None:
    async def main() -> list[float]:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)], margin=0.05)
        return [
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10)) for _ in range(3)
        ]

    assert run(main) == pytest.approx([0.0, 1.05, 1.05])


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        AccountLimiter("acct", [RateLimit(0, 1.0)])
    with pytest.raises(ValueError, match="queue_size"):
        AccountLimiter("acct", [], queue_size=0)


async def test_real_event_loop_small_windows() -> None:
    # The same guarantee on the ordinary loop and clock, with windows small enough to be fast.
    limiter = AccountLimiter("acct", [RateLimit(5, 0.05)])
    loop = asyncio.get_running_loop()
    grants: list[float] = []

    async def one() -> None:
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, Deadline.after(5))
        grants.append(loop.time())

    await asyncio.gather(*(one() for _ in range(15)))
    assert len(grants) == 15
    # Times are taken when each task resumes, a few microseconds after its grant and not
    # equally late for all; a 2 ms tolerance keeps this test exact about the quota but
    # immune to scheduling jitter (the virtual-time tests check the exact boundary).
    assert max_in_any_window(grants, 0.05 - 0.002) <= 5
    assert max(grants) - min(grants) >= 0.1  # three windows' worth of calls took 2 periods


def test_fail_fast_estimate_counts_the_waiters_ahead() -> None:
    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(1, 1.0)])
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        queued = [
            asyncio.create_task(limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100)))
            for _ in range(3)
        ]
        await asyncio.sleep(0)
        with pytest.raises(RateLimited) as caught:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(2.5))
        # Slots at t=1, 2, 3 go to the three ahead; this one would get t=4.
        assert caught.value.retry_after == pytest.approx(4.0)
        assert now() == 0.0
        # A cancel jumps the queue, so its estimate ignores the orders ahead.
        assert await limiter.acquire(
            RateScope.ORDERS, Priority.CANCEL, deadline(1.5)
        ) == pytest.approx(1.0)
        await asyncio.gather(*queued)

    run(main)


@pytest.mark.parametrize("seed", range(5))
def test_random_mixed_load_never_exceeds_any_window(seed: int) -> None:
    """Seeded random arrivals of every scope and priority, with cancellations, refusals in
    before_send and tight deadlines: whatever reaches the "broker" stays within quota."""
    limits = [
        RateLimit(10, 1.0),
        RateLimit(40, 60.0),
        RateLimit(4, 1.0, RateScope.ORDERS),
        RateLimit(6, 2.0, RateScope.QUOTES),
    ]
    scopes = [RateScope.ORDERS, RateScope.READS, RateScope.QUOTES]

    async def main() -> tuple[dict[RateScope, list[float]], int]:
        rng = random.Random(seed)
        limiter = AccountLimiter("acct", limits, queue_size=25)
        sent: dict[RateScope, list[float]] = {scope: [] for scope in scopes}
        refused = 0

        async def one(scope: RateScope, priority: Priority, budget: float, veto: bool) -> None:
            nonlocal refused

            def before_send() -> None:
                if veto:
                    raise PermissionError("vetoed")

            try:
                await limiter.acquire(scope, priority, deadline(budget), before_send=before_send)
            except (RateLimited, PermissionError):
                refused += 1
                return
            sent[scope].append(now())

        tasks = []
        for _ in range(150):
            scope = rng.choice(scopes)
            priority = (
                Priority.READ
                if scope is not RateScope.ORDERS
                else rng.choice([Priority.CANCEL, Priority.ORDER])
            )
            task = asyncio.create_task(
                one(scope, priority, rng.uniform(0.1, 30), rng.random() < 0.1)
            )
            tasks.append(task)
            if rng.random() < 0.05:
                asyncio.get_running_loop().call_later(rng.uniform(0, 2), task.cancel)
            await asyncio.sleep(rng.expovariate(8))
        await asyncio.gather(*tasks, return_exceptions=True)
        return sent, refused

    sent, refused = run(main)
    everything = [t for times in sent.values() for t in times]
    assert len(everything) > 30
    assert refused > 0
    assert max_in_any_window(everything, 1.0) <= 10
    assert max_in_any_window(everything, 60.0) <= 40
    assert max_in_any_window(sent[RateScope.ORDERS], 1.0) <= 4
    assert max_in_any_window(sent[RateScope.QUOTES], 2.0) <= 6


def test_a_read_may_not_take_shared_capacity_a_waiting_order_needs() -> None:
    limits = [RateLimit(2, 2.0, RateScope.ALL), RateLimit(1, 1.0, RateScope.ORDERS)]

    async def main() -> tuple[float, float]:
        limiter = AccountLimiter("acct", limits)
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        order = asyncio.create_task(
            limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(100))
        )
        await asyncio.sleep(0)
        # The shared "all" window has room for one call now, but taking it would push the
        # waiting order (blocked by the orders window until t=1) back to t=2.
        read = await limiter.acquire(RateScope.READS, Priority.READ, deadline(100))
        return await order, read

    order_wait, read_wait = run(main, max_jumps=4)
    assert order_wait == pytest.approx(1.0)
    assert read_wait == pytest.approx(2.0)


def test_the_paper_broker_never_sees_more_than_its_declared_quota(tmp_path: Path) -> None:
    """A burst through the limiter against the paper broker enforcing its own quotas (as a
    real broker would, with 429s): every order is accepted, none is refused for rate."""
    mock = pytest.importorskip("ordo_adapter_mock")
    from ordo.adapters.base import AdapterContext
    from ordo.domain import OrderRequest

    order = OrderRequest.model_validate(
        {
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "order_type": "MARKET",
            "product": "CNC",
        }
    )

    async def main() -> Any:
        settings = mock.MockSettings(
            seed=5, as_of=date(2025, 1, 15), enforce_rate_limits=True, orders_per_minute=25
        )
        broker = mock.PaperBroker.from_settings(
            settings, calls=mock.CallRecorder(clock=asyncio.get_running_loop().time)
        )
        adapter = mock.MockAdapter(
            settings, AdapterContext(account="paper", data_dir=tmp_path), broker=broker
        )
        await adapter.begin_login()
        limiter = AccountLimiter("paper", adapter.rate_limits)

        async def send(i: int) -> None:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(600))
            await adapter.place_order(order, f"OBURST{i}")

        await asyncio.gather(*(send(i) for i in range(60)))
        return broker

    broker = run(main, max_jumps=20)
    assert broker.calls.count("place_order") == 60
    assert broker.calls.outcomes("place_order").get("RATE_LIMITED", 0) == 0
    assert broker.calls.max_in_window(1.0, "place_order") == 10
    assert broker.calls.max_in_window(60.0, "place_order") == 25
    assert len(broker.orders()) == 60


# -- the regulatory order-rate ceiling per exchange segment (named windows) ----------------


def test_segment_ceiling_holds_in_every_window_beside_the_broker_quota() -> None:
    """Place, modify and cancel of one segment together stay under the ceiling; two
    segments each get their own ceiling, and the broker's quota still covers both."""
    ceiling = OrderCeiling(9)

    async def main() -> dict[Segment, list[float]]:
        limiter = AccountLimiter("acct", [RateLimit(15, 1.0, RateScope.ORDERS)])
        grants: dict[Segment, list[float]] = {Segment.NSE_FO: [], Segment.NSE_CASH: []}

        async def one(segment: Segment, priority: Priority) -> None:
            windows = ceiling.windows(segment)
            await limiter.acquire(RateScope.ORDERS, priority, deadline(1000), also=windows)
            grants[segment].append(now())

        await asyncio.gather(
            *(one(Segment.NSE_FO, Priority.ORDER) for _ in range(40)),
            *(one(Segment.NSE_FO, Priority.CANCEL) for _ in range(10)),
            *(one(Segment.NSE_CASH, Priority.ORDER) for _ in range(30)),
        )
        return grants

    grants = run(main, max_jumps=50)
    assert len(grants[Segment.NSE_FO]) == 50
    assert len(grants[Segment.NSE_CASH]) == 30
    assert max_in_any_window(grants[Segment.NSE_FO], 1.0) == 9
    assert max_in_any_window(grants[Segment.NSE_CASH], 1.0) == 9
    both = grants[Segment.NSE_FO] + grants[Segment.NSE_CASH]
    assert max_in_any_window(both, 1.0) <= 15


def test_cancels_queued_behind_places_go_first_in_a_segment() -> None:
    ceiling = OrderCeiling(9)
    nfo = ceiling.windows(Segment.NSE_FO)

    async def main() -> list[tuple[str, float]]:
        limiter = AccountLimiter("acct", [])
        served: list[tuple[str, float]] = []

        async def one(name: str, priority: Priority) -> None:
            await limiter.acquire(RateScope.ORDERS, priority, deadline(1000), also=nfo)
            served.append((name, now()))

        places = [asyncio.create_task(one(f"place{i}", Priority.ORDER)) for i in range(30)]
        await asyncio.sleep(0)
        assert limiter.waiting == 21  # nine went at once, the window is full
        cancels = [asyncio.create_task(one(f"cancel{i}", Priority.CANCEL)) for i in range(3)]
        await asyncio.gather(*places, *cancels)
        return served

    served = run(main)
    names = [name for name, _ in served]
    assert names[:9] == [f"place{i}" for i in range(9)]
    # The next window's first three slots go to the cancels that arrived last.
    assert names[9:12] == ["cancel0", "cancel1", "cancel2"]
    assert [at for _, at in served[9:12]] == pytest.approx([1.0] * 3)
    assert names[12:] == [f"place{i}" for i in range(9, 30)]


def test_a_ceiling_wait_past_the_deadline_fails_fast_and_takes_nothing() -> None:
    ceiling = OrderCeiling(9)
    bfo = ceiling.windows(Segment.BSE_FO)

    async def main() -> None:
        limiter = AccountLimiter("acct", [RateLimit(100, 1.0)])
        for _ in range(9):
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10), also=bfo)
        with pytest.raises(RateLimited) as refused:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(0.5), also=bfo)
        assert now() == 0.0  # refused at once, not at the deadline
        assert refused.value.retry_after == pytest.approx(1.0)
        rows = {row.get("name", row["scope"]): row["available"] for row in limiter.headroom()}
        assert rows == {"all": 91, bfo[0].name: 0}
        # Another segment is not held back by this one's ceiling.
        other = ceiling.windows(Segment.BSE_CASH)
        waited = await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(0.5), also=other)
        assert waited == 0.0
        assert limiter.headroom()[0]["available"] == 90

    run(main, max_jumps=2)


def test_an_order_of_unknown_segment_counts_in_every_segment() -> None:
    ceiling = OrderCeiling(3)

    async def main() -> list[dict[str, Any]]:
        limiter = AccountLimiter("acct", [])
        await limiter.acquire(
            RateScope.ORDERS, Priority.CANCEL, deadline(10), also=ceiling.windows(None)
        )
        await limiter.acquire(
            RateScope.ORDERS, Priority.ORDER, deadline(10), also=ceiling.windows(Segment.MCX)
        )
        return limiter.headroom()

    rows = run(main)
    available = {row["name"]: row["available"] for row in rows}
    assert available == {
        f"segment:{segment.value}:3/1.0": 1 if segment is Segment.MCX else 2 for segment in Segment
    }


def test_segment_windows_are_admitted_by_name_in_the_shared_store() -> None:
    """Replicas share a segment's ceiling: the shared store is asked for it by name."""

    class Recording:
        def __init__(self) -> None:
            self.asked: list[list[str | None]] = []

        async def admit(self, account: str, windows: Sequence[WindowSpec]) -> SharedVerdict:
            self.asked.append([w.name for w in windows])
            return SharedVerdict(admitted=True)

        async def pause(self, account: str, seconds: float) -> None:
            return None

    shared = Recording()

    async def main() -> None:
        limiter = AccountLimiter(
            "acct", [RateLimit(10, 1.0, RateScope.ORDERS)], margin=0.05, shared=shared
        )
        windows = OrderCeiling(9).windows(Segment.NSE_CURRENCY)
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10), also=windows)

    run(main)
    assert shared.asked == [["orders:10/1.0", "segment:NSE_CD:9/1.0"]]


def test_a_grant_used_later_than_half_the_margin_queues_again() -> None:
    """A task that resumes long after its slot was counted (a busy event loop) would send
    into the next window: it queues again instead, and its deadline still holds."""
    clock = [0.0]

    class SlowFirstAnswer:
        """Shared windows whose first answer arrives 0.3 s after it was asked."""

        def __init__(self) -> None:
            self.asked = 0

        async def admit(self, account: str, windows: Sequence[WindowSpec]) -> SharedVerdict:
            self.asked += 1
            if self.asked == 1:
                clock[0] += 0.3
            return SharedVerdict(admitted=True)

        async def pause(self, account: str, seconds: float) -> None:
            return None

    async def main() -> tuple[int, dict[str, Any]]:
        shared = SlowFirstAnswer()
        limiter = AccountLimiter(
            "acct", [RateLimit(5, 1.0)], margin=0.2, clock=lambda: clock[0], shared=shared
        )
        await limiter.acquire(RateScope.ORDERS, Priority.ORDER, deadline(10))
        return shared.asked, limiter.snapshot()

    asked, snapshot = run(main)
    assert asked == 2  # the first (late) grant was not used
    assert snapshot["granted"] == 1
    assert snapshot["windows"][0]["available"] == 4
