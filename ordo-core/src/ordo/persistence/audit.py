"""The database audit sink's storage: bulk inserts and filtered, cursor-paged queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.audit.events import AuditEvent
from ordo.persistence.tables import AuditRecord
from ordo.persistence.types import to_millis

MAX_PAGE = 1000


@dataclass(frozen=True)
class AuditPage:
    """One page of a query; pass ``next_cursor`` back to get the following page."""

    items: list[AuditRecord]
    next_cursor: str | None


_INSERT = insert(AuditRecord)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "timestamp": to_millis(event.timestamp),
        "request_id": event.request_id,
        "actor": event.actor,
        "account": event.account,
        "kind": event.kind,
        "payload": event.payload,
    }


def add_events_on(conn: Connection, events: Iterable[AuditEvent]) -> int:
    """Insert ``events`` (timestamps truncated to milliseconds) within the caller's
    transaction (see ``Database.run``); returns how many."""
    rows = [_row(event) for event in events]
    if rows:
        conn.execute(_INSERT, rows)
    return len(rows)


class AuditRepository:
    """Audit rows; ``add_many`` commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, events: Iterable[AuditEvent]) -> int:
        """Store ``events`` (timestamps truncated to milliseconds) in one transaction."""
        rows = [_row(event) for event in events]
        if not rows:
            return 0
        await self.session.exec(insert(AuditRecord).values(rows))
        await self.session.commit()
        return len(rows)

    async def query(
        self,
        *,
        request_id: str | None = None,
        account: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        cursor: str | None = None,
        newest_first: bool = False,
    ) -> AuditPage:
        """Events matching every given filter (``kind`` ending in ``.*`` matches a prefix),
        in insertion order (or newest first). ``since`` is inclusive, ``until`` exclusive; both
        are truncated to milliseconds like the stored timestamps, so an event's own timestamp
        as ``since`` includes it."""
        limit = max(1, min(limit, MAX_PAGE))
        statement = select(AuditRecord)
        if request_id is not None:
            statement = statement.where(col(AuditRecord.request_id) == request_id)
        if account is not None:
            statement = statement.where(col(AuditRecord.account) == account)
        if kind is not None:
            if kind.endswith(".*"):
                statement = statement.where(col(AuditRecord.kind).startswith(kind[:-1]))
            else:
                statement = statement.where(col(AuditRecord.kind) == kind)
        if since is not None:
            statement = statement.where(col(AuditRecord.timestamp) >= to_millis(since))
        if until is not None:
            statement = statement.where(col(AuditRecord.timestamp) < to_millis(until))
        after = _parse_cursor(cursor)
        if after is not None:
            statement = statement.where(
                col(AuditRecord.id) < after if newest_first else col(AuditRecord.id) > after
            )
        order = col(AuditRecord.id).desc() if newest_first else col(AuditRecord.id)
        # One row more than asked says whether another page exists.
        statement = statement.order_by(order).limit(limit + 1)
        rows = list((await self.session.exec(statement)).all())
        await self.session.commit()
        items = rows[:limit]
        more = len(rows) > limit
        return AuditPage(items, str(items[-1].id) if more and items else None)


def _parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        value = int(cursor)
    except ValueError:
        raise ValueError("invalid cursor") from None
    if value < 0:
        raise ValueError("invalid cursor")
    return value
