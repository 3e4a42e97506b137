"""The kill switch across replicas: a change on one reaches every other one through Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from loguru import logger
from ordo.errors import KillSwitchActive
from ordo.replicas import KillSwitchRelay, connect_redis
from ordo.replicas.redis_killswitch import decode_state, encode_state, local_wins
from ordo.safety.killswitch import KillSwitch, KillSwitchState
from redis.asyncio import Redis

T0 = datetime(2025, 1, 15, 9, 15, tzinfo=UTC)


@dataclass
class Replica:
    """One replica's kill switch with an in-memory "database" and its relay."""

    client: Redis
    prefix: str
    stored: KillSwitchState | None = None
    saves: list[KillSwitchState] = field(default_factory=list)
    switch: KillSwitch = field(init=False)
    relay: KillSwitchRelay = field(init=False)

    def __post_init__(self) -> None:
        self.switch = KillSwitch(self._load, self._save)
        self.relay = KillSwitchRelay(
            self.client, self.switch, prefix=self.prefix, poll_seconds=0.2, retry_seconds=0.05
        )

    async def _load(self) -> KillSwitchState | None:
        return self.stored

    async def _save(self, state: KillSwitchState) -> None:
        # As the runtime does: the database first, then the other replicas.
        self.stored = state
        self.saves.append(state)
        await self.relay.publish(state)

    async def start(self) -> bool:
        await self.switch.start()
        return await self.relay.start()

    def refuses_orders(self) -> bool:
        try:
            self.switch.ensure_allows("place")
        except KillSwitchActive:
            return True
        return False


async def eventually(condition: Callable[[], bool], within: float = 3.0) -> None:
    """Wait until ``condition()`` holds, polling briefly; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while not condition():
        if loop.time() > give_up:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(0.005)


MakeReplica = Callable[..., Replica]


@pytest.fixture
async def make_replica(redis_url: str, redis_prefix: str) -> AsyncIterator[MakeReplica]:
    """``make_replica(stored=None)``: a replica on the test Redis, stopped afterwards."""
    made: list[Replica] = []

    def make(stored: KillSwitchState | None = None) -> Replica:
        made.append(Replica(connect_redis(redis_url), redis_prefix, stored=stored))
        return made[-1]

    try:
        yield make
    finally:
        for replica in made:
            await replica.relay.stop()
            await replica.client.aclose()


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="WARNING", format="{message}")
    try:
        yield messages
    finally:
        logger.remove(sink)


@pytest.mark.redis
async def test_activation_on_one_replica_stops_orders_on_the_other(
    make_replica: MakeReplica,
) -> None:
    one, other = make_replica(), make_replica()
    assert await one.start()
    assert await other.start()
    assert not other.refuses_orders()

    await one.switch.activate("runaway strategy", "desk")
    await eventually(other.refuses_orders)
    assert other.switch.state.reason == "runaway strategy"
    assert other.switch.state.actor == "desk"
    other.switch.ensure_allows("cancel")  # cancels still pass everywhere
    assert other.saves == []  # adopted, not persisted a second time

    await other.switch.deactivate("fixed", "ops")
    await eventually(lambda: not one.refuses_orders())
    assert one.switch.state.reason == "fixed"
    assert len(one.saves) == 1


@pytest.mark.redis
async def test_a_replica_starting_later_adopts_the_shared_state(
    make_replica: MakeReplica,
) -> None:
    one = make_replica()
    assert await one.start()
    await one.switch.activate("halt", "desk")
    # Its own database never saw the change (a replica with a stale or separate database).
    late = make_replica(stored=KillSwitchState(active=False, changed_at=T0))
    assert await late.start()
    assert late.refuses_orders()


@pytest.mark.redis
async def test_a_newer_database_state_wins_over_redis_at_start(
    make_replica: MakeReplica,
) -> None:
    old = KillSwitchState(active=False, reason="old", actor="ops", changed_at=T0)
    running = make_replica(stored=old)
    await running.client.set(running.relay.key, encode_state(old))
    assert await running.start()
    assert not running.refuses_orders()
    # A replica whose database holds a newer state (set while Redis was away) starts.
    newer = KillSwitchState(
        active=True, reason="set while Redis was away", actor="cli", changed_at=T0 + timedelta(1)
    )
    starting = make_replica(stored=newer)
    assert await starting.start()
    assert starting.refuses_orders()
    raw = await starting.client.get(starting.relay.key)
    assert raw is not None
    assert decode_state(raw) == newer
    # And it reached the replica already running.
    await eventually(running.refuses_orders)


@pytest.mark.redis
async def test_changes_apply_in_redis_order_on_every_replica(
    make_replica: MakeReplica,
) -> None:
    group = [make_replica() for _ in range(3)]
    for replica in group:
        assert await replica.start()
    # Concurrent flips from every replica: all must settle on the last one Redis stored.
    await asyncio.gather(
        group[0].switch.activate("a", "x"),
        group[1].switch.deactivate("b", "y"),
        group[2].switch.activate("c", "z"),
    )
    raw = await group[0].client.get(group[0].relay.key)
    assert raw is not None
    final = decode_state(raw)
    assert final is not None
    await eventually(lambda: all(r.switch.state == final for r in group))


async def test_a_redis_outage_keeps_the_local_switch_and_says_so(warnings: list[str]) -> None:
    client = connect_redis("redis://127.0.0.1:1/0", timeout=0.5)
    replica = Replica(client, "ordo-test-down:")
    try:
        assert not await replica.start()
        await replica.switch.activate("halt", "desk")  # must not raise
        assert replica.refuses_orders()
        assert replica.stored is not None
        assert replica.stored.active
    finally:
        await replica.relay.stop()
        await client.aclose()
    assert any("could not publish" in m for m in warnings)
    assert any("not synchronised with Redis" in m for m in warnings)


def test_states_survive_the_trip_through_redis() -> None:
    state = KillSwitchState(active=True, reason="halt", actor="desk", changed_at=T0)
    assert decode_state(encode_state(state)) == state
    naive = KillSwitchState(active=False, changed_at=T0.replace(tzinfo=None))
    assert decode_state(encode_state(naive)) == KillSwitchState(active=False, changed_at=T0)
    assert decode_state(b"not json") is None
    assert decode_state(b'{"active": true}') is None
    assert decode_state(b"[1]") is None


def test_the_newer_of_two_disagreeing_states_wins() -> None:
    on_early = KillSwitchState(active=True, changed_at=T0)
    off_late = KillSwitchState(active=False, changed_at=T0 + timedelta(seconds=1))
    assert local_wins(off_late, on_early)
    assert not local_wins(on_early, off_late)
    assert not local_wins(KillSwitchState(active=True, changed_at=T0 + timedelta(1)), on_early)
    assert not local_wins(KillSwitchState(active=False), on_early)  # never changed
    assert local_wins(on_early, KillSwitchState(active=False))
