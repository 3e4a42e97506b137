"""The statements layer behaves the same on both backends: one scenario (idempotency,
ledger, settlements, kill switch, audit rows, claim recovery) runs on a SQLite file (the
``sqlite3`` fast path, the Core statements compiled once for SQLite) and on PostgreSQL
(SQLAlchemy Core); both must run the same statement objects, and the rows each leaves
behind are compared column by column (ids and clock values aside)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ordo.audit.events import AuditEvent
from ordo.domain.ledger import LegChanges, LegState, Settlement
from ordo.persistence import Database
from ordo.persistence.idempotency import (
    heartbeat_on,
    release_orphaned_on,
    release_owned_on,
)
from ordo.persistence.kill_switch import kill_switch_on, set_kill_switch_on
from ordo.persistence.ledger import leg_by_order_on, leg_values, legs_for_request_on
from ordo.persistence.sqlite_raw import SqliteExecutor
from ordo.persistence.statements import ORDER_PATH, CoreExecutor, OrderStatements
from sqlalchemy import text
from sqlmodel import SQLModel

pytestmark = pytest.mark.postgres

TTL = timedelta(hours=24)
T0 = datetime(2025, 1, 30, 3, 45, 0, tzinfo=UTC)
CLOCK_COLUMNS = {"created_at", "updated_at", "expires_at", "timestamp", "beat_at", "changed_at"}


def leg(tag: str, index: int) -> dict[str, Any]:
    return leg_values(
        request_id="rq-1",
        account="paper",
        adapter="mock",
        request={"price": Decimal("812.05"), "note": "é"},
        leg=index,
        broker_tag=tag,
        idempotency_scope="desk",
        idempotency_key="k1",
        state=LegState.SENT,
    )


async def scenario(db: Database) -> dict[str, Any]:
    """Claim, two legs, settlements with the stored response, a released key, a dead
    instance's claims freed, audit rows and the kill switch; returns what was read back."""

    def first(s: OrderStatements) -> tuple[str, list[int]]:
        claim = s.claim(
            scope="desk", key="k1", fingerprint="fp1", request_id="rq-1", ttl=TTL, owner="alive"
        )
        return claim.status.value, [s.add_leg(leg("TA", 0)), s.add_leg(leg("TB", 1))]

    status, (leg_a, leg_b) = await db.transact(first)

    def settle(s: OrderStatements) -> None:
        ack = LegChanges(
            state=LegState.ACKNOWLEDGED, broker_order_id="B1", response={"order_id": "B1"}
        )
        Settlement(leg_a, ack).apply(s)
        lost = LegChanges(state=LegState.UNKNOWN, error_code="OUTCOME_UNKNOWN", message="lost")
        Settlement(leg_b, lost).apply(s)
        s.complete(scope="desk", key="k1", status_code=207, body=b'{"status":"partial"}')
        s.claim(scope="desk", key="k2", fingerprint="fp2", request_id="rq-2", ttl=TTL)
        s.release(scope="desk", key="k2")
        s.claim(
            scope="desk",
            key="k3",
            fingerprint="fp3",
            request_id="rq-3",
            ttl=TTL,
            owner="dead",
            now=T0,
        )
        s.claim(
            scope="desk",
            key="k4",
            fingerprint="fp4",
            request_id="rq-4",
            ttl=TTL,
            owner="gone",
            now=T0,
        )
        s.add_audit_events(
            [AuditEvent(kind="order.outcome", timestamp=T0, request_id="rq-1", payload={"n": 1})]
        )

    await db.transact(settle)
    replay = await db.transact(
        lambda s: s.claim(scope="desk", key="k1", fingerprint="fp1", request_id="x", ttl=TTL)
    )
    now = datetime.now(UTC)
    await db.run(lambda c: heartbeat_on(c, "alive", now))
    orphaned = await db.run(lambda c: release_orphaned_on(c, now - timedelta(seconds=10)))
    owned = await db.run(lambda c: release_owned_on(c, "alive"))
    await db.run(lambda c: set_kill_switch_on(c, True, "runaway", "desk"))
    switch = await db.run(kill_switch_on)
    assert switch is not None
    by_request = await db.run(lambda c: legs_for_request_on(c, "rq-1"))
    by_order = await db.run(lambda c: leg_by_order_on(c, "paper", "B1"))
    return {
        "claim": status,
        "replay": (replay.status.value, replay.status_code, replay.response()),
        "orphaned": orphaned,
        "owned": owned,
        "by_request": [(e.leg, e.state, e.error_code) for e in by_request],
        "by_order": by_order.broker_tag if by_order else None,
        "kill_switch": (switch["active"], switch["reason"], switch["actor"]),
        "tags": {
            t: [e.state for e in v]
            for t, v in (await db.transact(lambda s: s.legs_by_tags(["TA", "TB", "TZ"]))).items()
        },
    }


async def rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, without ids and clock values, in a stable order."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            result = await conn.execute(table.select())
            kept = [
                {k: v for k, v in row._mapping.items() if k != "id" and k not in CLOCK_COLUMNS}
                for row in result
            ]
            found[table.name] = sorted(kept, key=repr)
    return found


Ran = list[tuple[str, Any]]


def record_statements(monkeypatch: pytest.MonkeyPatch) -> Ran:
    """Every (executor, statement object) the order path's statements run, in order."""
    ran: Ran = []
    for executor in (CoreExecutor, SqliteExecutor):
        for method in ("count", "returned", "rows", "many"):
            original = getattr(executor, method)

            def recording(self: Any, statement: Any, values: Any, _original: Any = original) -> Any:
                ran.append((type(self).__name__, statement))
                return _original(self, statement, values)

            monkeypatch.setattr(executor, method, recording)
    return ran


async def test_one_scenario_leaves_the_same_rows_on_sqlite_and_postgresql(
    tmp_path: Path, postgres_schema: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = record_statements(monkeypatch)
    ran_by_backend: list[Ran] = []
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path / 'parity.db'}")
    url, schema = postgres_schema
    postgres = Database(url, schema=schema)
    try:
        outcomes = []
        tables = []
        for db in (sqlite, postgres):
            await db.create_all()
            if db.is_postgresql:
                async with db.engine.begin() as conn:
                    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
                    await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            ran.clear()
            outcomes.append(await scenario(db))
            ran_by_backend.append(list(ran))
            tables.append(await rows(db))
    finally:
        await sqlite.dispose()
        await postgres.dispose()
    on_sqlite, on_postgres = outcomes
    # Both backends ran the very same statement objects, in the same order: the SQLite
    # file through the compiled fast path, PostgreSQL through SQLAlchemy.
    ran_on_sqlite, ran_on_postgres = ran_by_backend
    assert {name for name, _ in ran_on_sqlite} == {"SqliteExecutor"}
    assert {name for name, _ in ran_on_postgres} == {"CoreExecutor"}
    assert [id(st) for _, st in ran_on_sqlite] == [id(st) for _, st in ran_on_postgres]
    assert {id(st) for _, st in ran_on_sqlite} == {id(st) for st in ORDER_PATH}
    assert on_sqlite == on_postgres
    assert on_sqlite["claim"] == "claimed"
    assert on_sqlite["replay"] == ("completed", 207, {"status": "partial"})
    assert (on_sqlite["orphaned"], on_sqlite["owned"]) == (2, 0)
    assert on_sqlite["tags"]["TZ"] == []
    assert on_sqlite["kill_switch"] == (True, "runaway", "desk")
    assert tables[0] == tables[1]
    ledger = tables[0]["ledger_entries"]
    assert {(r["broker_tag"], r["state"]) for r in ledger} == {
        ("TA", LegState.ACKNOWLEDGED),
        ("TB", LegState.UNKNOWN),
    }
    assert [r["key"] for r in tables[0]["idempotency_records"]] == ["k1"]
    assert tables[0]["kill_switch"][0]["active"] is True
    assert [r["owner"] for r in tables[0]["instance_heartbeats"]] == ["alive"]
