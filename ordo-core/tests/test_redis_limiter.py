"""Rate limits shared by several replicas through Redis.

Two ``AccountLimiter`` instances, each with its own Redis client, stand for two replicas of
one gateway serving the same broker account. Together they must never exceed the account's
quota in any window, a broker 429 seen by one must hold the other, and a Redis that cannot
be reached must refuse calls (``RATE_LIMITED``) rather than let them bypass the shared quota.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest
from loguru import logger
from ordo.adapters.base import RateLimit, RateScope
from ordo.adapters.errors import RateLimited
from ordo.replicas import RedisWindows, connect_redis, redact_url
from ordo.replicas.redis_limiter import parse_admit_reply
from ordo.safety.deadline import Deadline
from ordo.safety.limiter import AccountLimiter, Priority
from ordo.safety.shared_limits import SharedStateUnavailable, SharedVerdict, WindowSpec
from redis.asyncio import Redis

ACCOUNT = "fyers-main"
LIMITS = [RateLimit(5, 0.2), RateLimit(12, 1.0)]
MARGIN = 0.1


def most_in_any_window(times: Sequence[float], span: float) -> int:
    """The most grants that lie within ``span`` of each other: every window starting at a
    grant is checked, which covers every window (a fuller one would start at a grant)."""
    ordered = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + span:
            j += 1
        best = max(best, j - i)
    return best


def test_most_in_any_window_counts_the_fullest_window() -> None:
    assert most_in_any_window([0.0, 0.5, 0.99, 1.0, 1.2], 1.0) == 4
    assert most_in_any_window([0.0, 0.5, 0.99, 1.0, 1.2], 0.5) == 3
    assert most_in_any_window([], 1.0) == 0
    assert most_in_any_window([3.0, 1.0, 2.0], 0.5) == 1


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """One Redis client per replica."""
    made = [connect_redis(redis_url), connect_redis(redis_url)]
    try:
        yield made
    finally:
        for client in made:
            await client.aclose()


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="WARNING", format="{message}")
    try:
        yield messages
    finally:
        logger.remove(sink)


def replica(client: Redis, prefix: str, account: str = ACCOUNT) -> AccountLimiter:
    return AccountLimiter(
        account, LIMITS, margin=MARGIN, shared=RedisWindows(client, prefix=prefix)
    )


@pytest.mark.redis
async def test_two_replicas_never_exceed_the_quota_together(
    clients: list[Redis], redis_prefix: str
) -> None:
    replicas = [replica(c, redis_prefix) for c in clients]
    sent: dict[int, list[float]] = {0: [], 1: []}

    async def call(which: int) -> None:
        await replicas[which].acquire(
            RateScope.ORDERS,
            Priority.ORDER,
            Deadline.after(10),
            before_send=lambda: sent[which].append(time.monotonic()),
        )

    await asyncio.gather(*(call(i % 2) for i in range(24)))

    everything = sent[0] + sent[1]
    assert len(everything) == 24
    assert sent[0]
    assert sent[1]
    # Alone, each replica would send 12 in the first second: 24 together, twice the quota.
    for limit in LIMITS:
        assert most_in_any_window(everything, limit.period) <= limit.max_calls, limit
    # Redis's own log (on its own clock; older grants already pruned) agrees.
    windows = RedisWindows(clients[0], prefix=redis_prefix)
    for limit in LIMITS:
        key = windows.window_key(ACCOUNT, WindowSpec(limit, limit.period + MARGIN))
        logged = await clients[0].zrange(key, 0, -1, withscores=True)
        scores = [float(entry[1]) for entry in logged]
        micros = limit.period * 1_000_000
        assert 0 < most_in_any_window(scores, micros + MARGIN * 1_000_000) <= limit.max_calls


@pytest.mark.redis
async def test_a_replica_waits_for_room_the_other_used(
    clients: list[Redis], redis_prefix: str
) -> None:
    first, second = (replica(c, redis_prefix) for c in clients)
    deadline = Deadline.after(10)
    for _ in range(5):
        await first.acquire(RateScope.ORDERS, Priority.ORDER, deadline)
    started = time.monotonic()
    waited = await second.acquire(RateScope.ORDERS, Priority.ORDER, deadline)
    # The 0.2 s window (plus margin) is full of the first replica's grants.
    assert time.monotonic() - started >= LIMITS[0].period
    assert waited >= LIMITS[0].period
    # Locally the second replica has used one slot only: the wait came from Redis.
    assert second.headroom()[0]["available"] == LIMITS[0].max_calls - 1


@pytest.mark.redis
async def test_a_refusal_that_would_pass_the_deadline_fails_fast(
    clients: list[Redis], redis_prefix: str
) -> None:
    first, second = (replica(c, redis_prefix) for c in clients)
    for _ in range(12):
        await first.acquire(RateScope.ORDERS, Priority.ORDER, Deadline.after(10))
    # The 1 s window is full until about a second after the first grant.
    with pytest.raises(RateLimited) as caught:
        await second.acquire(RateScope.ORDERS, Priority.ORDER, Deadline.after(0.3))
    assert caught.value.retryable
    assert caught.value.retry_after > 0.3
    assert second.snapshot()["granted"] == 0


@pytest.mark.redis
async def test_a_broker_pause_on_one_replica_holds_the_other(
    clients: list[Redis], redis_prefix: str
) -> None:
    first, second = (replica(c, redis_prefix) for c in clients)
    windows = RedisWindows(clients[0], prefix=redis_prefix)
    paused_at = time.monotonic()
    first.pause(0.3)
    # The pause reaches Redis from a background task: wait (bounded) until it is there.
    for _ in range(200):
        if await clients[0].pttl(windows.pause_key(ACCOUNT)) > 0:
            break
        await asyncio.sleep(0.005)
    else:
        pytest.fail("the pause never reached Redis")
    await second.acquire(RateScope.READS, Priority.READ, Deadline.after(5))
    assert time.monotonic() - paused_at >= 0.29
    # The pause belongs to this account only.
    assert await clients[0].exists(windows.pause_key("mirae-desk")) == 0


@pytest.mark.redis
async def test_a_shorter_pause_never_cuts_a_longer_one(
    clients: list[Redis], redis_prefix: str
) -> None:
    windows = RedisWindows(clients[0], prefix=redis_prefix)
    await windows.pause(ACCOUNT, 5.0)
    await windows.pause(ACCOUNT, 0.1)
    assert await clients[0].pttl(windows.pause_key(ACCOUNT)) > 4000
    verdict = await windows.admit(ACCOUNT, [WindowSpec(LIMITS[0], 0.2)])
    assert not verdict.admitted
    assert 4.0 < verdict.paused_for <= 5.0


@pytest.mark.redis
async def test_admission_records_in_every_window_or_in_none(
    clients: list[Redis], redis_prefix: str
) -> None:
    windows = RedisWindows(clients[0], prefix=redis_prefix)
    tight = WindowSpec(RateLimit(1, 10.0, RateScope.ORDERS), 10.0)
    wide = WindowSpec(RateLimit(100, 10.0), 10.0)
    assert (await windows.admit(ACCOUNT, [tight, wide])).admitted
    refused = await windows.admit(ACCOUNT, [tight, wide])
    assert not refused.admitted
    assert refused.paused_for == 0
    assert 9.0 < refused.waits[0] <= 10.0
    assert refused.waits[1] == 0
    # The refused call left no trace in the window that had room.
    assert await clients[0].zcard(windows.window_key(ACCOUNT, wide)) == 1


async def test_an_unreachable_redis_refuses_calls(warnings: list[str]) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    client = connect_redis("redis://:hunter2-secret@127.0.0.1:1/0", timeout=0.5)
    try:
        limiter = AccountLimiter(ACCOUNT, LIMITS, shared=RedisWindows(client))
        with pytest.raises(RateLimited) as caught:
            await limiter.acquire(RateScope.ORDERS, Priority.ORDER, Deadline.after(5))
        assert caught.value.code == "RATE_LIMITED"
        assert caught.value.retryable
        assert caught.value.retry_after == pytest.approx(1.0)
        assert "shared rate-limit store is unreachable" in caught.value.message
        # Nothing was consumed locally, and the pause is kept locally even if not shared.
        assert [w["available"] for w in limiter.headroom()] == [5, 12]
        limiter.pause(0.5)
        assert limiter.paused_for > 0.4
        for _ in range(100):
            if any("could not share" in m for m in warnings):
                break
            await asyncio.sleep(0.01)
    finally:
        await client.aclose()
    assert any("shared windows unreachable" in m for m in warnings)
    assert any("could not share" in m for m in warnings)
    assert not any("hunter2" in m for m in warnings)
    assert "hunter2" not in caught.value.message


def test_admit_replies_become_verdicts() -> None:
    assert parse_admit_reply([1], 2) == SharedVerdict(admitted=True)
    assert parse_admit_reply([0, 250_000], 2) == SharedVerdict(admitted=False, paused_for=0.25)
    assert parse_admit_reply([0, 0, 0, 1_500_000], 2) == SharedVerdict(
        admitted=False, paused_for=0.0, waits=(0.0, 1.5)
    )
    with pytest.raises(SharedStateUnavailable):
        parse_admit_reply(b"OK", 1)


def test_redis_urls_lose_their_password_in_logs() -> None:
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact_url("redis://:pw@host:6379/1") == "redis://:***@host:6379/1"
    assert redact_url("rediss://user:pw@host/0") == "rediss://user:***@host/0"
    assert "pw" not in redact_url("unix:///run/redis.sock?db=0&password=pw")
