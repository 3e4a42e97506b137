"""Event ids commit in increasing order across replicas on PostgreSQL: an append holds an
advisory lock from before its id is drawn until it commits, so a second replica's append
waits instead of committing a larger id first (which a tailing SSE reader would pass, and
then never see the smaller one)."""

from __future__ import annotations

import asyncio

import pytest
from ordo.events.model import EventStatus, OrderUpdate
from ordo.persistence import Database
from ordo.persistence.order_events import EVENT_APPEND_LOCK, append_event_on, events_after_on
from sqlalchemy import text

WAIT_SECONDS = 30.0


def update(order_id: str) -> OrderUpdate:
    return OrderUpdate(account="a", broker="mock", order_id=order_id, status=EventStatus.OPEN)


async def waiting_for_the_lock(db: Database) -> bool:
    async with db.engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": EVENT_APPEND_LOCK},
        )
        return int(waiting.scalar() or 0) > 0


@pytest.mark.postgres
async def test_a_later_append_waits_for_the_earlier_one_to_commit(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("SQLite has one writer at a time: its ids commit in order already")
    async with database.engine.connect() as replica_a:
        first = await replica_a.begin()
        appended_a = await replica_a.run_sync(lambda c: append_event_on(c, update("A")))
        assert appended_a is not None  # A drew its id and holds the lock, not committed
        replica_b = asyncio.create_task(database.run(lambda c: append_event_on(c, update("B"))))
        async with asyncio.timeout(WAIT_SECONDS):
            while not await waiting_for_the_lock(database):  # noqa: ASYNC110 (a server-side wait)
                await asyncio.sleep(0.02)
        assert not replica_b.done()
        # A reader now sees nothing: no larger id was committed past A's.
        assert await database.run(lambda c: events_after_on(c, 0)) == []
        await first.commit()
    appended_b = await replica_b
    assert appended_b is not None
    assert appended_b.event.id > appended_a.event.id
    seen = await database.run(lambda c: events_after_on(c, 0))
    assert [e.order_id for e in seen] == ["A", "B"]
