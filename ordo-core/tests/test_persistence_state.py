"""Kill switch, sessions and credentials on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from ordo.persistence import CredentialRepository, Database, SessionRepository
from ordo.persistence.kill_switch import kill_switch_on, set_kill_switch_on

IST = timezone(timedelta(hours=5, minutes=30))


async def test_kill_switch_is_off_until_set_and_persists(database: Database) -> None:
    # Never changed: no row (off, with no change time).
    assert await database.run(kill_switch_on) is None
    await database.run(lambda c: set_kill_switch_on(c, True, "runaway strategy", "desk"))
    on = await database.run(kill_switch_on)
    assert on is not None
    assert on["active"] is True
    stored = await database.run(kill_switch_on)
    assert stored is not None
    assert (stored["active"], stored["reason"], stored["actor"]) == (
        True,
        "runaway strategy",
        "desk",
    )
    assert stored["changed_at"] is not None
    assert stored["changed_at"].tzinfo is not None
    await database.run(lambda c: set_kill_switch_on(c, False, None, "ops"))
    off = await database.run(kill_switch_on)
    assert off is not None
    assert (off["active"], off["reason"], off["actor"]) == (False, None, "ops")


async def test_sessions_upsert_read_and_delete(database: Database) -> None:
    logged_in = datetime(2025, 1, 30, 8, 45, 0, 123456, tzinfo=IST)
    expires = datetime(2025, 1, 31, 0, 0, tzinfo=IST)
    async with database.session() as s:
        repo = SessionRepository(s)
        saved = await repo.save(
            account="fyers-main",
            adapter="fyers",
            state="active",
            encrypted="gAAAA-first",
            logged_in_at=logged_in,
            expires_at=expires,
        )
        assert saved.logged_in_at == logged_in
        await repo.save(account="hdfc-1", adapter="hdfc", state="none", encrypted=None)
        replaced = await repo.save(
            account="fyers-main", adapter="fyers", state="expired", encrypted="gAAAA-second"
        )
        assert replaced.encrypted_session == "gAAAA-second"
        assert replaced.expires_at is None

    async with database.session() as s:
        repo = SessionRepository(s)
        record = await repo.get("fyers-main")
        assert record is not None
        assert record.state == "expired"
        assert record.updated_at.tzinfo == UTC
        assert [r.account for r in await repo.all()] == ["fyers-main", "hdfc-1"]
        assert await repo.delete("fyers-main") is True
        assert await repo.delete("fyers-main") is False
        assert await repo.get("fyers-main") is None


async def test_session_times_round_trip_as_aware_utc(database: Database) -> None:
    when = datetime(2025, 1, 30, 8, 45, 0, 123456, tzinfo=IST)
    async with database.session() as s:
        await SessionRepository(s).save(
            account="a", adapter="mock", state="active", encrypted="x", logged_in_at=when
        )
    async with database.session() as s:
        record = await SessionRepository(s).get("a")
    assert record is not None
    assert record.logged_in_at == when
    assert record.logged_in_at is not None
    assert record.logged_in_at.utcoffset() == timedelta(0)
    assert record.logged_in_at.hour == 3  # 08:45 IST is 03:15 UTC


async def test_naive_datetimes_are_refused(database: Database) -> None:
    async with database.session() as s:
        with pytest.raises(ValueError, match="naive datetime"):
            await SessionRepository(s).save(
                account="a",
                adapter="mock",
                state="active",
                encrypted="x",
                logged_in_at=datetime(2025, 1, 30, 8, 45),
            )


async def test_credentials_put_get_all_delete(database: Database) -> None:
    async with database.session() as s:
        repo = CredentialRepository(s)
        await repo.put(account="hdfc-1", name="password", encrypted_value="enc-1")
        await repo.put(account="hdfc-1", name="api_secret", encrypted_value="enc-2")
        await repo.put(account="mirae-1", name="password", encrypted_value="enc-3")
        await repo.put(account="hdfc-1", name="password", encrypted_value="enc-1b")
    async with database.session() as s:
        repo = CredentialRepository(s)
        assert await repo.get(account="hdfc-1", name="password") == "enc-1b"
        assert await repo.get(account="hdfc-1", name="pin") is None
        assert [(r.account, r.name) for r in await repo.all()] == [
            ("hdfc-1", "api_secret"),
            ("hdfc-1", "password"),
            ("mirae-1", "password"),
        ]
        assert [r.name for r in await repo.all("mirae-1")] == ["password"]
        assert await repo.delete(account="hdfc-1", name="api_secret") == 1
        assert await repo.delete(account="hdfc-1") == 1
        assert [r.account for r in await repo.all()] == ["mirae-1"]
        assert "enc-3" not in repr(await repo.all())
