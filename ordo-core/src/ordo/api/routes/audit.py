"""``GET /api/v1/audit``: query the audit trail stored in the database, newest events last,
in pages (pass ``next_cursor`` back as ``cursor``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, RuntimeDep
from ordo.audit.chain import event_record
from ordo.audit.events import AuditEvent
from ordo.orchestrator.errors import OrdoError
from ordo.persistence.audit import MAX_PAGE, AuditRepository
from ordo.persistence.tables import AuditRecord

router = APIRouter(tags=["audit"])
CURSOR_PATTERN = r"^[0-9]{1,18}$"
"""What ``next_cursor`` looks like; anything else is refused by validation."""
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def iso_datetime_only(value: object) -> object:
    """Refuse what lax parsing would turn into a time: ``since=0.5`` is not 1970."""
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError(
            f"{value!r} is not an ISO 8601 date and time; send e.g. 2026-01-30T09:15:00+05:30"
        )
    return value


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


@router.get(
    "/audit",
    operation_id="query_audit",
    summary="Audit events filtered by request id, account, kind and time, paginated",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def query_audit(
    runtime: RuntimeDep,
    request_id: RequestId,
    _: Principal,
    filter_request_id: Annotated[
        str | None, Query(alias="request_id", description="Only this request's events.")
    ] = None,
    account: Annotated[str | None, Query(description="Only this account's events.")] = None,
    kind: Annotated[
        str | None,
        Query(description="Event kind; 'order.*' matches a prefix.", examples=["broker.*"]),
    ] = None,
    since: Annotated[
        datetime | None,
        BeforeValidator(iso_datetime_only),
        Query(
            description="ISO 8601 date and time; events at or after this instant.",
            examples=["2026-01-30T09:15:00+05:30"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page."),
    ] = None,
) -> JSONResponse:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    # Events emitted just before this call may still sit in the writer's queue.
    await runtime.observability.db_sink.flush()
    try:
        async with runtime.db.session() as session:
            page = await AuditRepository(session).query(
                request_id=filter_request_id,
                account=account,
                kind=kind,
                since=since,
                limit=limit,
                cursor=cursor,
            )
    except ValueError:
        raise OrdoError(
            "INVALID_CURSOR", "cursor is not a next_cursor this endpoint returned", http_status=422
        ) from None
    return envelope.success(
        request_id,
        {"events": [record_json(row) for row in page.items], "next_cursor": page.next_cursor},
    )
