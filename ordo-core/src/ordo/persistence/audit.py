"""The audit rows' filtered, cursor-paged queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.persistence.tables import AuditRecord
from ordo.persistence.types import to_millis

MAX_PAGE = 1000


@dataclass(frozen=True)
class AuditPage:
    """One page of a query; pass ``next_cursor`` back to get the following page."""

    items: list[AuditRecord]
    next_cursor: str | None


class AuditRepository:
    """Filtered, cursor-paged queries of the audit rows (written by the order path's
    statements, ``OrderStatements.add_audit_events``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
