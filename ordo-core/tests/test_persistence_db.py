"""Engine setup: SQLite pragmas and file location, PostgreSQL schemas, URL hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo.persistence import Database
from ordo.persistence.kill_switch import kill_switch_on, set_kill_switch_on
from sqlalchemy import text


async def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "dir" / "ordo.db"
    db = Database(f"sqlite+aiosqlite:///{target}")
    try:
        await db.create_all()
        assert target.exists()
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 15_000
    finally:
        await db.dispose()


async def test_in_memory_sqlite_shares_one_database(tmp_path: Path) -> None:
    db = Database("sqlite+aiosqlite://")
    try:
        await db.create_all()
        await db.run(lambda c: set_kill_switch_on(c, True, "test", "me"))
        stored = await db.run(kill_switch_on)
        assert stored is not None
        assert stored["active"] is True
    finally:
        await db.dispose()


async def test_create_all_is_repeatable(database: Database) -> None:
    await database.create_all()
    # Never changed: no row, which reads as off.
    assert await database.run(kill_switch_on) is None


@pytest.mark.postgres
async def test_postgres_tables_live_in_the_private_schema(
    postgres_schema: tuple[str, str],
) -> None:
    url, schema = postgres_schema
    db = Database(url, schema=schema)
    try:
        await db.create_all()
        async with db.engine.connect() as conn:
            found = (
                await conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :schema ORDER BY table_name"
                    ),
                    {"schema": schema},
                )
            ).scalars()
            assert set(found) >= {
                "audit_events",
                "broker_sessions",
                "credentials",
                "idempotency_records",
                "kill_switch",
                "ledger_entries",
            }
    finally:
        await db.dispose()


def test_schema_rules() -> None:
    with pytest.raises(ValueError, match="only be set for PostgreSQL"):
        Database("sqlite+aiosqlite://", schema="abc")
    with pytest.raises(ValueError, match="schema names"):
        Database("postgresql+asyncpg://u@localhost/db", schema="x; DROP")


def test_repr_hides_the_password() -> None:
    db = Database("postgresql+asyncpg://ordo:hunter2secret@db.internal:5432/ordo")
    assert "hunter2secret" not in repr(db)
    assert "db.internal" in repr(db)
