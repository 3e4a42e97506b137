"""``GET /api/v1/audit``: query the audit trail stored in the database, newest events last,
in pages (pass ``next_cursor`` back as ``cursor``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.services import Audit
from ordo.audit.query import MAX_PAGE

router = APIRouter(tags=["audit"])


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
        datetime | None, Query(description="ISO 8601; events at or after this instant.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
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
