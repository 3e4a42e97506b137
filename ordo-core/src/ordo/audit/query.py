"""The audit trail as ``GET /api/v1/audit`` reads it: stored events, newest last, in pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ordo.audit.chain import event_record
from ordo.audit.db_sink import DatabaseAuditSink
from ordo.audit.events import AuditEvent
from ordo.errors import RequestError
from ordo.persistence.audit import MAX_PAGE, AuditRepository
from ordo.persistence.db import Database
from ordo.persistence.tables import AuditRecord

__all__ = ["MAX_PAGE", "AuditQuery", "record_json"]


def record_json(row: AuditRecord) -> dict[str, Any]:
    """A stored event in the same shape as a line of the audit file (without the chain)."""
    event = AuditEvent(
        kind=row.kind,
        timestamp=row.timestamp,
        request_id=row.request_id,
        actor=row.actor,
        account=row.account,
        payload=row.payload,
    )
    return {"id": row.id, **event_record(event)}


class AuditQuery:
    def __init__(self, db: Database, sink: DatabaseAuditSink) -> None:
        self.db = db
        self.sink = sink

    async def page(
        self,
        *,
        request_id: str | None,
        account: str | None,
        kind: str | None,
        since: datetime | None,
        limit: int,
        cursor: str | None,
        until: datetime | None = None,
        newest_first: bool = False,
    ) -> dict[str, Any]:
        """``{"events": [...], "next_cursor": ...}``; a cursor this endpoint did not hand
        out is 422 ``INVALID_CURSOR``. ``since`` is inclusive, ``until`` exclusive; a time
        without a zone is UTC. ``newest_first`` pages backwards in time (the console)."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        # Events emitted just before this call may still sit in the writer's queue.
        await self.sink.flush()
        try:
            async with self.db.session() as session:
                page = await AuditRepository(session).query(
                    request_id=request_id,
                    account=account,
                    kind=kind,
                    since=since,
                    until=until,
                    limit=limit,
                    cursor=cursor,
                    newest_first=newest_first,
                )
        except ValueError:
            raise RequestError(
                "INVALID_CURSOR",
                "cursor is not a next_cursor this endpoint returned",
                http_status=422,
            ) from None
        return {"events": [record_json(row) for row in page.items], "next_cursor": page.next_cursor}
