"""Per-account rate limiting with priorities (FR23).

Every quota an adapter declares (``RateLimit``: ``max_calls`` per ``period`` seconds for a
scope) is enforced as an exact sliding window: a call is granted only when fewer than
``max_calls`` grants of that window lie within the last ``period`` seconds. Several windows
apply at once (Fyers: 10/s and 200/min).

Why not aiolimiter's ``AsyncLimiter``: it is a leaky bucket, which admits a full burst and
then keeps dripping, so within one ``period`` it lets through up to twice ``max_calls``
(10 at t=0 and 9 more before t=1 for "10/s"). Brokers count calls per window and answer
the excess with 429s, so the limiter must never exceed the quota in any window, and it must
still allow a full burst (a basket of orders) at once: a sliding-window log does both.

In front of the windows sits a bounded priority queue: cancels before new orders, orders
before reads, first come first served within a priority. A lower-priority call may pass a
waiting higher-priority one only if they share no window, so it can never delay it.

Several replicas serving one broker account pass ``shared`` (``ordo.replicas.RedisWindows``):
a waiter that the local windows would grant is then also admitted by the shared windows
(one atomic round trip) before it goes, and waits as long as they say when they refuse. A
shared store that cannot be reached fails the waiter with ``RateLimited`` rather than let it
bypass the quota every replica shares.

A grant counts when it is made, the broker counts when the call arrives: a task that resumes
more than half the ``margin`` after its slot was counted (an event loop busy with a burst)
gives the slot back and queues again in its place, so no call leaves later than that.

An acquire may name windows of its own (``also``: the regulatory order-rate ceiling of the
order's exchange segment), created on first use and shared by every acquire that names
them: one grant passes the broker's quotas and those windows together, in one queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from bisect import insort
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from loguru import logger

from ordo.adapters.base import RateLimit, RateScope
from ordo.adapters.errors import RateLimited
from ordo.safety.deadline import Deadline
from ordo.safety.shared_limits import SharedStateUnavailable, SharedWindows, WindowSpec
from ordo.safety.waiters import Priority, Waiter
from ordo.safety.window_log import NamedLimit, WindowLog, replay, window_headroom

# Timers may fire a hair early; a wake-up is never scheduled sooner than this so the loop
# always makes progress.
_MIN_WAKE = 1e-4
# What a caller is told to wait when the shared windows cannot be reached.
_SHARED_DOWN_RETRY_AFTER = 1.0


class AccountLimiter:
    """The rate limiter of one broker account.

    ``clock`` defaults to the running event loop's clock (monotonic); a test may run the
    limiter on a virtual-time loop. ``margin`` widens every window by that many seconds so
    network jitter cannot squeeze two windows' worth of calls into one at the broker.
    ``shared`` makes every grant also pass the windows that other replicas share.
    """

    def __init__(
        self,
        account: str,
        limits: Sequence[RateLimit],
        *,
        queue_size: int = 100,
        margin: float = 0.0,
        clock: Callable[[], float] | None = None,
        shared: SharedWindows | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.account = account
        self.queue_size = queue_size
        self._margin = margin
        self._windows = [WindowLog(limit, margin) for limit in limits]
        self._quotas = len(self._windows)
        """The first windows are the broker's quotas; named windows follow."""
        self._named: dict[str, int] = {}
        self._clock = clock
        self._queue: list[Waiter] = []  # sorted by (priority, seq)
        self._seq = itertools.count()
        self._paused_until = -math.inf
        self._wake: asyncio.TimerHandle | None = None
        self._granted = 0
        self._refused = 0
        self._shared = shared
        # Per window: the shared windows refused a grant before this instant.
        self._shared_not_before = [-math.inf] * len(self._windows)
        self._background: set[asyncio.Task[None]] = set()

    # -- public ----------------------------------------------------------------------------
    @property
    def waiting(self) -> int:
        """How many acquires are queued."""
        return len(self._queue)

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def windows_for(self, scope: RateScope, also: Sequence[NamedLimit] = ()) -> frozenset[int]:
        quotas = (
            i
            for i, w in enumerate(self._windows[: self._quotas])
            if w.limit.scope is RateScope.ALL or w.limit.scope is scope
        )
        return frozenset([*quotas, *(self._named_window(n) for n in also)])

    def _named_window(self, named: NamedLimit) -> int:
        index = self._named.get(named.name)
        if index is None:
            index = self._named[named.name] = len(self._windows)
            self._windows.append(WindowLog(named.limit, self._margin, named.name))
            self._shared_not_before.append(-math.inf)
        return index

    async def acquire(
        self,
        scope: RateScope,
        priority: Priority,
        deadline: Deadline,
        *,
        before_send: Callable[[], None] | None = None,
        also: Sequence[NamedLimit] = (),
    ) -> float:
        """Wait for a slot in every window that applies to ``scope`` and in the named
        windows ``also``; return seconds waited.

        Raises ``RateLimited`` (``retry_after`` = the estimated wait) without consuming
        capacity when the queue is full or the slot would come after ``deadline``.
        ``before_send`` runs right after the slot is granted; if it raises, the slot is
        given back and the error propagates (the kill switch refusing a queued order).
        """
        now = self.now()
        windows = self.windows_for(scope, also)
        deadline_at = now + deadline.remaining()
        loop = asyncio.get_running_loop()
        waiter = Waiter(priority, next(self._seq), windows, deadline_at, loop.create_future(), now)
        estimate = self._estimate(waiter, now)
        if estimate - now > deadline.remaining() or deadline.expired:
            self._refused += 1
            raise self._rate_limited(scope, estimate - now, "the wait would pass the deadline")
        if len(self._queue) >= self.queue_size and not self._evict_for(waiter, now):
            self._refused += 1
            raise self._rate_limited(scope, estimate - now, "the queue is full")
        waited = await self._wait(waiter, now)
        while self._late(waiter):
            # The task resumed too long after its grant (a busy event loop): sent now, the
            # call could land in the next window with that window's own grants. Queue
            # again in the same place; the slot counted in the shared store stays counted.
            self._refund(waiter)
            waiter.future = loop.create_future()
            waited = await self._wait(waiter, self.now())
        if before_send is not None:
            try:
                before_send()
            except BaseException:
                self._refund(waiter)
                raise
        return waited

    async def _wait(self, waiter: Waiter, now: float) -> float:
        """Queue ``waiter`` and wait for its grant."""
        insort(self._queue, waiter, key=lambda w: w.key)
        if math.isfinite(waiter.deadline_at):
            waiter.deadline_timer = asyncio.get_running_loop().call_later(
                max(0.0, waiter.deadline_at - now), self._expire, waiter
            )
        self._dispatch()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            self._forget(waiter)
            if waiter.future.done() and not waiter.future.cancelled():
                waiter.future.exception()  # retrieved, so asyncio does not log it
            # Granted but never used: the slot goes back to the window.
            self._refund(waiter)
            raise

    def _late(self, waiter: Waiter) -> bool:
        """Whether ``waiter`` resumed more than half the margin after its slot was counted
        (half the margin is Ordo's own lateness, the other half the network's)."""
        if self._margin <= 0 or waiter.counted_at is None or not waiter.windows:
            return False
        return self.now() - waiter.counted_at > self._margin / 2

    def pause(self, seconds: float) -> None:
        """Hold every acquire for ``seconds`` (the broker answered 429 with Retry-After).
        Waiters whose deadline comes first are refused now rather than at their deadline."""
        self._paused_until = max(self._paused_until, self.now() + max(0.0, seconds))
        if self._shared is not None and seconds > 0:
            self._spawn(self._share_pause(seconds))
        self._dispatch()

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.now())

    def headroom(self) -> list[dict[str, Any]]:
        """Each window's remaining capacity right now, for ``/status``."""
        now = self.now()
        return [
            window_headroom(w, now, named=i >= self._quotas) for i, w in enumerate(self._windows)
        ]

    def snapshot(self) -> dict[str, Any]:
        """Queue length, pause and counters for ``/status``."""
        return {
            "account": self.account,
            "waiting": self.waiting,
            "queue_size": self.queue_size,
            "paused_for": round(self.paused_for, 3),
            "granted": self._granted,
            "refused": self._refused,
            "windows": self.headroom(),
        }

    # -- scheduling --------------------------------------------------------------------------
    def _ready_at(self, windows: frozenset[int], now: float) -> float:
        ready = max(now, self._paused_until)
        for i in windows:
            ready = max(ready, self._windows[i].ready_at(now), self._shared_not_before[i])
        return ready

    def _dispatch(self) -> None:
        """Grant every waiter that may go now, fail those that cannot make their deadline,
        and set one timer for the next instant anything can change."""
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        if not self._queue:
            return
        now = self.now()
        blocked: set[int] = set()
        next_wake = math.inf
        for waiter in list(self._queue):
            if waiter.admitting:
                # Its answer re-runs this loop; nobody sharing a window may pass it meanwhile.
                blocked |= waiter.windows
                continue
            ready = self._ready_at(waiter.windows, now)
            if ready > waiter.deadline_at:
                # Even the earliest possible slot is too late: say so now.
                self._fail(waiter, ready - now, "the wait would pass the deadline")
                continue
            if waiter.windows & blocked:
                # Waits for a higher-priority waiter sharing a window; that one's grant
                # re-runs this loop, so it needs no timer of its own.
                blocked |= waiter.windows
                continue
            if ready <= now and self._shared is not None:
                self._admit(waiter)
                blocked |= waiter.windows
                continue
            if ready <= now:
                self._grant(waiter, now)
                continue
            blocked |= waiter.windows
            next_wake = min(next_wake, ready)
        if self._queue and math.isfinite(next_wake):
            delay = max(_MIN_WAKE, next_wake - now)
            self._wake = asyncio.get_running_loop().call_later(delay, self._dispatch)

    def _grant(self, waiter: Waiter, now: float, counted_at: float | None = None) -> None:
        self._remove(waiter)
        for i in waiter.windows:
            self._windows[i].grants.append(now)
        waiter.granted_at = now
        waiter.counted_at = now if counted_at is None else counted_at
        self._granted += 1
        waiter.future.set_result(now - waiter.enqueued_at)

    # -- shared windows ----------------------------------------------------------------------
    def _admit(self, waiter: Waiter) -> None:
        waiter.admitting = True
        self._spawn(self._admit_shared(waiter))

    async def _admit_shared(self, waiter: Waiter) -> None:
        """Ask the shared windows for ``waiter``'s grant; grant it, or note how long they
        refuse, then dispatch again."""
        assert self._shared is not None
        order = sorted(waiter.windows)
        specs = [
            WindowSpec(self._windows[i].limit, self._windows[i].span, self._windows[i].name)
            for i in order
        ]
        # The shared store counts the slot at some instant after this one: lateness is
        # measured from here.
        asked_at = self.now()
        try:
            verdict = await self._shared.admit(self.account, specs)
        except SharedStateUnavailable as exc:
            waiter.admitting = False
            logger.warning(
                "rate limit of account {}: shared windows unreachable: {}", self.account, exc
            )
            self._fail(
                waiter, _SHARED_DOWN_RETRY_AFTER, "the shared rate-limit store is unreachable"
            )
            self._dispatch()
            return
        waiter.admitting = False
        now = self.now()
        if verdict.admitted:
            # A waiter that expired or was cancelled meanwhile leaves its shared slot unused:
            # over-counting only makes every replica a little more careful.
            if not waiter.future.done():
                self._grant(waiter, now, counted_at=asked_at)
        else:
            self._paused_until = max(self._paused_until, now + verdict.paused_for)
            for i, wait in zip(order, verdict.waits, strict=False):
                self._shared_not_before[i] = max(self._shared_not_before[i], now + wait)
        self._dispatch()

    async def _share_pause(self, seconds: float) -> None:
        assert self._shared is not None
        try:
            await self._shared.pause(self.account, seconds)
        except SharedStateUnavailable as exc:
            # The local pause still holds this replica; the others learn from their own 429s.
            logger.warning(
                "account {}: could not share a {:.2f}s pause: {}", self.account, seconds, exc
            )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        # The loop keeps only weak references to tasks.
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _refund(self, waiter: Waiter) -> None:
        """Give back a slot that was granted but not used for a broker call. A shared grant
        stays counted (conservative: the other replicas merely wait a little longer)."""
        if waiter.granted_at is None:
            return
        for i in waiter.windows:
            grants = self._windows[i].grants
            # Absent when it already slid out of the window.
            with contextlib.suppress(ValueError):
                grants.remove(waiter.granted_at)
        waiter.granted_at = None
        self._granted -= 1
        self._dispatch()

    def _expire(self, waiter: Waiter) -> None:
        if not waiter.future.done():
            now = self.now()
            self._fail(waiter, self._estimate(waiter, now) - now, "the deadline passed")
            self._dispatch()

    def _fail(self, waiter: Waiter, wait: float, why: str) -> None:
        self._remove(waiter)
        self._refused += 1
        if not waiter.future.done():
            waiter.future.set_exception(self._rate_limited(None, wait, why))

    def _forget(self, waiter: Waiter) -> None:
        """A cancelled waiter leaves the queue; others may now go."""
        if waiter in self._queue:
            self._remove(waiter)
            self._dispatch()

    def _remove(self, waiter: Waiter) -> None:
        if waiter.deadline_timer is not None:
            waiter.deadline_timer.cancel()
            waiter.deadline_timer = None
        if waiter in self._queue:
            self._queue.remove(waiter)

    def _evict_for(self, newcomer: Waiter, now: float) -> bool:
        """Make room for ``newcomer`` by refusing the last waiter of a lower priority, so a
        queue full of reads never holds back a cancel. False when there is none."""
        victim = self._queue[-1]
        if victim.priority <= newcomer.priority:
            return False
        self._fail(victim, self._estimate(victim, now) - now, "the queue is full")
        return True

    def _estimate(self, waiter: Waiter, now: float) -> float:
        """When ``waiter`` would be granted if no one else arrived: replay the waiters ahead
        of it on a copy of the windows that matter to it."""
        ahead = [w for w in self._queue if w.key < waiter.key and w.windows & waiter.windows]
        if not ahead:
            return self._ready_at(waiter.windows, now)  # the common case: nobody queued
        turns = [*(w.windows for w in ahead), waiter.windows]
        return replay(self._windows, turns, max(now, self._paused_until), now)

    def _rate_limited(self, scope: RateScope | None, wait: float, why: str) -> RateLimited:
        what = f" for {scope.value}" if scope is not None else ""
        return RateLimited(
            f"rate limit of account {self.account!r}{what}: {why} "
            f"(estimated wait {max(0.0, wait):.2f}s)",
            retry_after=max(0.0, wait),
        )

    def __repr__(self) -> str:
        return f"<AccountLimiter account={self.account!r} waiting={self.waiting}>"


__all__ = ["AccountLimiter", "Priority"]
