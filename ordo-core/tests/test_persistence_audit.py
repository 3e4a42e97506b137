"""Audit storage and queries on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ordo.audit.events import AuditEvent
from ordo.persistence import AuditRepository, Database

T0 = datetime(2025, 1, 30, 3, 45, 0, 123987, tzinfo=UTC)


async def add_events(database: Database, events: list[AuditEvent]) -> int:
    """Store events as the database sink does (the order path's audit statement)."""
    return await database.transact(lambda s: s.add_audit_events(events), inline=False)


def _events() -> list[AuditEvent]:
    kinds = ["api.request", "broker.call", "order.outcome"]
    return [
        AuditEvent(
            kind=kinds[i % 3],
            timestamp=T0 + timedelta(seconds=i),
            request_id=f"req-{i // 3}",
            actor="desk",
            account="fyers-main" if i % 2 else "mirae-desk",
            payload={"i": i, "price": Decimal("101.5"), "at": T0},
        )
        for i in range(9)
    ]


async def test_stored_events_keep_millisecond_timestamps_and_payloads(database: Database) -> None:
    async with database.session() as s:
        repo = AuditRepository(s)
        assert await add_events(database, _events()) == 9
        assert await add_events(database, []) == 0
        page = await repo.query(limit=100)
    assert [r.payload["i"] for r in page.items] == list(range(9))
    first = page.items[0]
    assert first.timestamp == datetime(2025, 1, 30, 3, 45, 0, 123000, tzinfo=UTC)
    assert first.payload == {"i": 0, "price": "101.5", "at": T0.isoformat()}
    assert page.next_cursor is None


async def test_query_filters(database: Database) -> None:
    async with database.session() as s:
        repo = AuditRepository(s)
        await add_events(database, _events())
        by_request = await repo.query(request_id="req-1")
        assert [r.payload["i"] for r in by_request.items] == [3, 4, 5]
        by_account = await repo.query(account="fyers-main", kind="broker.call")
        assert [r.payload["i"] for r in by_account.items] == [1, 7]
        prefix = await repo.query(kind="order.*")
        assert [r.payload["i"] for r in prefix.items] == [2, 5, 8]
        window = await repo.query(since=T0 + timedelta(seconds=6), until=T0 + timedelta(seconds=8))
        assert [r.payload["i"] for r in window.items] == [6, 7]


async def test_cursor_pages_through_everything_once(database: Database) -> None:
    async with database.session() as s:
        repo = AuditRepository(s)
        await add_events(database, _events())
        for newest_first, expected in ((False, list(range(9))), (True, list(range(8, -1, -1)))):
            seen: list[int] = []
            cursor: str | None = None
            pages = 0
            while True:
                page = await repo.query(limit=4, cursor=cursor, newest_first=newest_first)
                seen += [r.payload["i"] for r in page.items]
                pages += 1
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert seen == expected
            assert pages == 3
        with pytest.raises(ValueError, match="invalid cursor"):
            await repo.query(cursor="abc")
