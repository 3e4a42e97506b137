"""The audit page: the audit trail stored in the database, newest first, filtered by
request id, account, kind and time range, a page at a time (``AuditQuery``, the service
behind ``GET /api/v1/audit``). A bad filter is named on the page and nothing is listed:
the trail without that filter would pass for its answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRouter

from ordo.api.services import Accounts, Audit
from ordo.audit.query import AuditQuery
from ordo.console.auth import ConsoleSession
from ordo.console.rendering import console_url, render
from ordo.console.views import AuditFilters, audit_row, parse_audit_filters
from ordo.errors import OrdoError

router = APIRouter()


async def _page(
    audit: AuditQuery, filters: AuditFilters
) -> tuple[list[dict[str, Any]], str | None]:
    page = await audit.page(
        request_id=filters.request_id,
        account=filters.account,
        kind=filters.kind,
        since=filters.since,
        until=filters.until,
        limit=filters.limit,
        cursor=filters.cursor,
        newest_first=True,
    )
    return [audit_row(record) for record in page["events"]], page["next_cursor"]


@router.get("/audit", name="audit")
async def audit_page(
    request: Request, _: ConsoleSession, audit: Audit, known: Accounts
) -> Response:
    filters, errors = parse_audit_filters(request.query_params)
    rows: list[dict[str, Any]] = []
    next_url = None
    if not errors:
        try:
            rows, cursor = await _page(audit, filters)
        except OrdoError as exc:  # a cursor this page never handed out
            errors.append(exc.message)
        else:
            if cursor:
                query = urlencode(filters.query(cursor=cursor))
                next_url = console_url(request, f"/audit?{query}")
    return render(
        request,
        "audit.html",
        status_code=422 if errors else 200,
        active="audit",
        form={k: v[:200] for k, v in request.query_params.items()},
        errors=errors,
        rows=rows,
        next_url=next_url,
        first_url=console_url(request, f"/audit?{urlencode(filters.query())}"),
        paged=filters.cursor is not None,
        accounts=known.names(),
    )
