"""The order path's statements (``Database.transact``): SQL text on SQLite and Core elsewhere
store the same rows; SQLite runs them on the event loop when the write lock is free and on
the writer thread when it is not; a leg's outcome can ride on the response's commit."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.audit.events import AuditEvent
from ordo.persistence import (
    AuditRepository,
    ClaimStatus,
    Database,
    IdempotencyRecord,
    IdempotencyState,
    LedgerEntry,
    LegState,
)
from ordo.persistence import writer as writer_module
from ordo.persistence.ledger import leg_values
from ordo.persistence.sqlite_raw import parse_sqlite_time, sqlite_time
from ordo.persistence.statements import LegChanges, OrderStatements, Settlement
from sqlmodel import col, select

TTL = timedelta(hours=1)
T0 = datetime(2025, 1, 30, 3, 45, 0, 0, tzinfo=UTC)


async def stored_claim(database: Database, scope: str, key: str) -> IdempotencyRecord | None:
    """The record as SQLAlchemy's ORM reads it."""
    async with database.session() as session:
        statement = select(IdempotencyRecord).where(
            col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
        )
        return (await session.exec(statement)).one_or_none()


async def stored_leg(database: Database, entry_id: int) -> LedgerEntry | None:
    """The leg as SQLAlchemy's ORM reads it."""
    async with database.session() as session:
        return await session.get(LedgerEntry, entry_id)


def claim(
    s: OrderStatements, key: str = "k", fingerprint: str = "fp", now: datetime | None = None
) -> ClaimStatus:
    return s.claim(
        scope="desk", key=key, fingerprint=fingerprint, request_id="rq", ttl=TTL, now=now
    ).status


def sent_leg(tag: str, leg: int = 0) -> dict[str, object]:
    return leg_values(
        request_id="rq",
        account="paper",
        adapter="mock",
        request={"price": Decimal("812.05"), "note": "é"},
        leg=leg,
        broker_tag=tag,
        idempotency_scope="desk",
        idempotency_key="k",
        state=LegState.SENT,
    )


async def test_claims_follow_the_idempotency_rules(database: Database) -> None:
    assert await database.transact(claim) is ClaimStatus.CLAIMED
    assert await database.transact(claim) is ClaimStatus.IN_FLIGHT
    assert await database.transact(lambda s: claim(s, fingerprint="x")) is ClaimStatus.MISMATCH
    done = await database.transact(
        lambda s: s.complete(scope="desk", key="k", status_code=201, body=b'{"ok":1}')
    )
    assert done is True
    replay = await database.transact(
        lambda s: s.claim(scope="desk", key="k", fingerprint="fp", request_id="r2", ttl=TTL)
    )
    assert replay.status is ClaimStatus.COMPLETED
    assert (replay.status_code, replay.response()) == (201, {"ok": 1})
    assert replay.record.state is IdempotencyState.COMPLETED
    assert replay.record.created_at.tzinfo is not None
    assert await database.transact(lambda s: s.release(scope="desk", key="k")) is False
    assert await database.transact(lambda s: claim(s, key="other")) is ClaimStatus.CLAIMED
    assert await database.transact(lambda s: s.release(scope="desk", key="other")) is True
    # What the statements wrote reads back through SQLAlchemy's ORM.
    record = await stored_claim(database, "desk", "k")
    assert record is not None
    assert (record.state, record.status_code, record.request_id) == ("completed", 201, "rq")
    assert record.expires_at - record.created_at == TTL


async def test_an_expired_claim_is_replaced(database: Database) -> None:
    old = datetime.now(UTC) - timedelta(hours=2)
    assert await database.transact(lambda s: claim(s, now=old)) is ClaimStatus.CLAIMED
    await database.transact(
        lambda s: s.complete(scope="desk", key="k", status_code=200, body={"a": 1})
    )
    # The first claim expired an hour ago: the key is free again, even with another body.
    assert await database.transact(lambda s: claim(s, fingerprint="new")) is ClaimStatus.CLAIMED


async def test_legs_are_added_settled_and_read_back_alike(database: Database) -> None:
    first = await database.transact(lambda s: s.add_leg(sent_leg("TA")))
    second = await database.transact(lambda s: s.add_leg(sent_leg("TA", 1)))
    changes = LegChanges(
        state=LegState.ACKNOWLEDGED, broker_order_id="B1", response={"order_id": "B1"}
    )
    assert await database.transact(lambda s: s.set_leg(first, changes)) is True
    missing = LegChanges(state=LegState.FAILED)
    assert await database.transact(lambda s: s.set_leg(10_000, missing)) is False
    found = await database.transact(lambda s: s.legs_by_tags(["TA", "TZ"]))
    assert found["TZ"] == []
    assert [e.id for e in found["TA"]] == [first, second]
    orm_first, orm_second = await stored_leg(database, first), await stored_leg(database, second)
    assert orm_first is not None
    assert orm_second is not None
    # The statements' reading and the ORM's agree on every column.
    assert found["TA"][0].model_dump() == orm_first.model_dump()
    assert found["TA"][1].model_dump() == orm_second.model_dump()
    assert orm_first.state is LegState.ACKNOWLEDGED
    assert orm_first.response == {"order_id": "B1"}
    assert orm_first.request == {"price": "812.05", "note": "é"}
    assert orm_second.response is None
    assert orm_first.updated_at >= orm_first.created_at
    assert orm_first.created_at.tzinfo is not None


async def test_a_settlement_is_written_when_applied(database: Database) -> None:
    entry = await database.transact(lambda s: s.add_leg(sent_leg("TS")))
    later = [Settlement(entry, LegChanges(state=LegState.REJECTED, error_code="X", message="m"))]

    def settle_and_complete(s: OrderStatements) -> None:
        claim(s)
        for settlement in later:
            settlement.apply(s)
        s.complete(scope="desk", key="k", status_code=200, body={"done": True})

    await database.transact(settle_and_complete)
    leg = await stored_leg(database, entry)
    record = await stored_claim(database, "desk", "k")
    assert leg is not None
    assert record is not None
    assert (leg.state, leg.error_code, leg.message) == (LegState.REJECTED, "X", "m")
    assert record.response_body == '{"done":true}'


async def test_audit_events_are_stored_to_the_millisecond(database: Database) -> None:
    events = [
        AuditEvent(kind="order.outcome", timestamp=T0 + timedelta(microseconds=1999), payload={}),
        AuditEvent(
            kind="api.request",
            timestamp=T0,
            request_id="r1",
            actor="desk",
            account="paper",
            payload={"price": Decimal("1.5"), "n": [1, None]},
        ),
    ]
    assert await database.transact(lambda s: s.add_audit_events(events), inline=False) == 2
    assert await database.transact(lambda s: s.add_audit_events([])) == 0
    async with database.session() as session:
        page = await AuditRepository(session).query()
    first, second = page.items
    assert first.timestamp == T0 + timedelta(microseconds=1000)
    assert (second.request_id, second.actor, second.account) == ("r1", "desk", "paper")
    assert second.payload == {"price": "1.5", "n": [1, None]}


async def test_a_failing_unit_of_work_leaves_nothing(database: Database) -> None:
    def claim_then_fail(s: OrderStatements) -> None:
        claim(s)
        s.add_leg(sent_leg("TF"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await database.transact(claim_then_fail)
    assert await database.transact(claim) is ClaimStatus.CLAIMED
    assert (await database.transact(lambda s: s.legs_by_tags(["TF"])))["TF"] == []


def test_sqlite_times_round_trip_as_sqlalchemy_stores_them() -> None:
    ist = datetime(2025, 1, 30, 9, 15, 0, tzinfo=UTC).astimezone()
    assert sqlite_time(ist) == "2025-01-30 09:15:00.000000"
    assert parse_sqlite_time("2025-01-30 09:15:00.000123") == datetime(
        2025, 1, 30, 9, 15, 0, 123, tzinfo=UTC
    )
    assert parse_sqlite_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(datetime(2025, 1, 30))


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    await db.create_all()
    return db


async def test_sqlite_runs_on_the_event_loop_when_the_lock_is_free(sqlite_db: Database) -> None:
    try:
        here = threading.current_thread().name
        names = [
            await sqlite_db.transact(lambda s: threading.current_thread().name) for _ in range(3)
        ]
        assert names == [here] * 3
        forced = await sqlite_db.transact(lambda s: threading.current_thread().name, inline=False)
        assert forced.startswith("ordo-sqlite-writer")
    finally:
        await sqlite_db.dispose()


async def test_sqlite_waits_on_the_writer_thread_while_another_writer_holds_the_lock(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            'INSERT INTO idempotency_records (scope, "key", fingerprint, state, request_id, '
            "created_at, expires_at) VALUES ('desk', 'held', 'fp', 'in_flight', 'r', "
            "'2025-01-01 00:00:00.000000', '2999-01-01 00:00:00.000000')"
        )

        def where_and_claim(s: OrderStatements) -> tuple[str, ClaimStatus]:
            return threading.current_thread().name, claim(s, key="held")

        task = asyncio.create_task(sqlite_db.transact(where_and_claim))
        await asyncio.sleep(0.05)
        # The event loop is not blocked by the busy database: it ran this line.
        assert not task.done()
        other.execute("COMMIT")
        thread, status = await asyncio.wait_for(task, 10)
        assert thread.startswith("ordo-sqlite-writer")
        # It ran after the other transaction, and saw its row.
        assert status is ClaimStatus.IN_FLIGHT
    finally:
        other.close()
        await sqlite_db.dispose()


async def test_inline_commits_ask_the_writer_thread_to_checkpoint(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "CHECKPOINT_EVERY", 2)
    writer = sqlite_db._writer
    assert writer is not None
    checkpoints: list[str] = []
    checkpoint = writer._checkpoint

    def counted() -> None:
        checkpoints.append(threading.current_thread().name)
        checkpoint()

    monkeypatch.setattr(writer, "_checkpoint", counted)
    try:
        for i in range(5):
            await sqlite_db.transact(functools.partial(claim, key=f"k{i}"))
        # Work queued on the writer thread after them runs after them.
        await writer.run_raw(lambda raw: None, inline=False)
        assert len(checkpoints) == 2
        assert all(name.startswith("ordo-sqlite-writer") for name in checkpoints)
    finally:
        await sqlite_db.dispose()
    reader = sqlite3.connect(str(writer.url.database))
    try:
        count = reader.execute("SELECT count(*) FROM idempotency_records").fetchone()[0]
    finally:
        reader.close()
    assert count == 5
