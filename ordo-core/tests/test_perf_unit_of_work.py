"""Short units of work (``Database.run``) and the order path's statements run as SQLAlchemy
Core in them (``CoreStatements``), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ordo.domain.ledger import LegChanges
from ordo.persistence import ClaimStatus, Database, LedgerEntry, LegState
from ordo.persistence.ledger import leg_values
from ordo.persistence.statements import CoreStatements
from sqlalchemy import Connection, text

TTL = timedelta(hours=1)


def claim(conn: Connection, key: str = "k", fingerprint: str = "fp") -> ClaimStatus:
    return (
        CoreStatements(conn)
        .claim(scope="desk", key=key, fingerprint=fingerprint, request_id="rq", ttl=TTL)
        .status
    )


async def test_claim_complete_and_release_in_units_of_work(database: Database) -> None:
    assert await database.run(claim) is ClaimStatus.CLAIMED
    assert await database.run(claim) is ClaimStatus.IN_FLIGHT
    assert await database.run(lambda c: claim(c, fingerprint="other")) is ClaimStatus.MISMATCH
    done = await database.run(
        lambda c: CoreStatements(c).complete(
            scope="desk", key="k", status_code=201, body=b'{"ok":1}'
        )
    )
    assert done is True
    replay = await database.run(
        lambda c: CoreStatements(c).claim(
            scope="desk", key="k", fingerprint="fp", request_id="r2", ttl=TTL
        )
    )
    assert replay.status is ClaimStatus.COMPLETED
    assert (replay.status_code, replay.response()) == (201, {"ok": 1})
    assert replay.record.request_id == "rq"
    # A completed key is never released; an in-flight one is.
    assert await database.run(lambda c: CoreStatements(c).release(scope="desk", key="k")) is False
    await database.run(lambda c: claim(c, key="other"))
    assert (
        await database.run(lambda c: CoreStatements(c).release(scope="desk", key="other")) is True
    )
    assert await database.run(lambda c: claim(c, key="other")) is ClaimStatus.CLAIMED


async def test_a_failing_unit_of_work_is_rolled_back(database: Database) -> None:
    def claim_then_fail(conn: Connection) -> None:
        claim(conn)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await database.run(claim_then_fail)
    assert await database.run(claim) is ClaimStatus.CLAIMED


async def test_legs_are_added_settled_and_found_by_tag(database: Database) -> None:
    def values(tag: str, leg: int) -> dict[str, Any]:
        return leg_values(
            request_id="rq",
            account="paper",
            adapter="mock",
            request={"price": Decimal("812.05")},
            leg=leg,
            broker_tag=tag,
            state=LegState.SENT,
        )

    first = await database.run(lambda c: CoreStatements(c).add_leg(values("TA", 0)))
    second = await database.run(lambda c: CoreStatements(c).add_leg(values("TA", 1)))
    await database.run(lambda c: CoreStatements(c).add_leg(values("TB", 0)))
    settled = await database.run(
        lambda c: CoreStatements(c).set_leg(
            first, LegChanges(state=LegState.ACKNOWLEDGED, broker_order_id="B1")
        )
    )
    assert settled is True
    assert (
        await database.run(
            lambda c: CoreStatements(c).set_leg(10_000, LegChanges(state=LegState.FAILED))
        )
        is False
    )
    found = await database.run(lambda c: CoreStatements(c).legs_by_tags(["TA", "TC"]))
    assert set(found) == {"TA", "TC"}
    assert found["TC"] == []
    assert [e.id for e in found["TA"]] == [first, second]
    assert found["TA"][0].state is LegState.ACKNOWLEDGED
    assert found["TA"][0].broker_order_id == "B1"
    assert found["TA"][0].request == {"price": "812.05"}
    assert found["TA"][1].state is LegState.SENT
    async with database.session() as s:
        entry = await s.get(LedgerEntry, first)
    assert entry is not None
    assert entry.updated_at >= entry.created_at


async def test_sqlite_units_of_work_run_on_one_writer_thread(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await db.create_all()
    try:
        names = {await db.run(lambda c: threading.current_thread().name) for _ in range(5)}
        assert len(names) == 1
        assert names.pop().startswith("ordo-sqlite-writer")
        # Transactions take the write lock up front (BEGIN IMMEDIATE) and commit.
        await db.run(lambda c: c.execute(text("CREATE TABLE t (x INTEGER)")))
        await db.run(lambda c: c.execute(text("INSERT INTO t VALUES (1)")))
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT x FROM t"))).all()
        assert [r[0] for r in rows] == [1]
    finally:
        await db.dispose()
    # Disposed: a later unit of work starts a new writer.
    try:
        assert await db.run(lambda c: c.execute(text("SELECT count(*) FROM t")).scalar()) == 1
    finally:
        await db.dispose()


async def test_in_memory_sqlite_runs_units_of_work_on_its_shared_connection() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    await db.create_all()
    try:
        assert await db.run(claim) is ClaimStatus.CLAIMED
        assert await db.run(claim) is ClaimStatus.IN_FLIGHT
    finally:
        await db.dispose()
