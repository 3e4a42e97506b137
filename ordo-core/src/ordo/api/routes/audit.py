"""``GET /api/v1/audit``: query the audit trail stored in the database, newest events last,
in pages (pass ``next_cursor`` back as ``cursor``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.services import Audit
from ordo.audit.query import MAX_PAGE

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


@router.get(
    "/audit",
    operation_id="query_audit",
    summary="Audit events filtered by request id, account, kind and time, paginated",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def query_audit(
    audit: Audit,
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
    data = await audit.page(
        request_id=filter_request_id,
        account=account,
        kind=kind,
        since=since,
        limit=limit,
        cursor=cursor,
    )
    return envelope.success(request_id, data)
