"""The orders pages: today's order book of each account, one request's legs from the
ledger, and the live order-event stream.

The stream is the API's (``ordo.api.routes.events``: same frames, same ``Last-Event-ID``
resume) behind the console's session cookie instead of a bearer token, which EventSource
cannot send. The page renders the most recent events itself and the stream resumes after
the newest of them, so no event is shown twice or skipped between the two."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRouter

from ordo.api.event_deps import Events
from ordo.api.routes.events import event_response, resume_point
from ordo.api.routes.safety import request_legs
from ordo.api.services import Accounts, LedgerDep, Reads, SettingsDep
from ordo.console.auth import SESSION_COOKIE, ConsoleSession, console_sessions
from ordo.console.rendering import render
from ordo.console.views import REQUEST_ID, account_orders, event_view, leg_view
from ordo.domain import Order, ResultStatus
from ordo.domain.ledger import LedgerLeg
from ordo.errors import OrdoError
from ordo.events.log import EventLog
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.ledger import Ledger

router = APIRouter()

RECENT_EVENTS = 50
"""Events the orders page shows before the live ones arrive."""


def _selected(known: AccountSet, name: str | None) -> tuple[list[Account], str | None]:
    """The accounts a page shows (one when ``name`` is given) and the message for a name
    that is not an account."""
    if not name:
        return list(known), None
    try:
        return [known.get(name)], None
    except OrdoError as exc:
        return [], exc.message


async def _legs_of(
    ledger: Ledger, account: str, orders: list[Order]
) -> dict[tuple[str, str], LedgerLeg]:
    legs: dict[tuple[str, str], LedgerLeg] = {}
    for order in orders:
        if order.tag is None:  # placed outside Ordo: no leg in the ledger
            continue
        leg = await ledger.find_by_order(account, order.order_id)
        if leg is not None:
            legs[(account, order.order_id)] = leg
    return legs


@router.get("/orders", name="orders")
async def orders_page(
    request: Request,
    _: ConsoleSession,
    reads: Reads,
    known: Accounts,
    ledger: LedgerDep,
    log: Events,
    account: str | None = None,
) -> Response:
    selected, error = _selected(known, account)
    if error is not None:
        return render(
            request,
            "orders.html",
            status_code=404,
            active="orders",
            error=error,
            accounts=known.names(),
            account=None,
            sections=[],
            events=[],
            after=log.last_id,
        )
    results = await reads.orders(selected) if selected else []
    legs: dict[tuple[str, str], LedgerLeg] = {}
    for result in results:
        if result.status is ResultStatus.SUCCESS:
            legs.update(await _legs_of(ledger, result.account, list(result.data or [])))
    # The newest id first: the stream resumes after it, so an event stored between the two
    # reads arrives through the stream, never twice and never lost.
    after = log.last_id
    names = [a.name for a in selected] if account else None
    recent = await log.after(max(0, after - RECENT_EVENTS), accounts=names, limit=RECENT_EVENTS)
    events = [event_view(e) for e in reversed(recent) if e.id <= after]
    return render(
        request,
        "orders.html",
        active="orders",
        error=None,
        accounts=known.names(),
        account=account or None,
        sections=account_orders(results, legs),
        events=events,
        after=after,
    )


@router.get("/orders/events", name="order_events")
async def order_event_stream(
    request: Request, log: Events, settings: SettingsDep, known: Accounts
) -> Response:
    """The live stream: ``after`` (the page's newest event) on first connect, the browser's
    ``Last-Event-ID`` on every reconnect. Without a console session: 401 (EventSource then
    stops; the page tells the user to sign in again)."""
    session, _ = console_sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return PlainTextResponse("sign in to the console", status_code=401)
    name = request.query_params.get("account") or None
    selected, error = _selected(known, name)
    if error is not None:
        return PlainTextResponse(error, status_code=404)
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    after = resume_point(raw, log)
    return event_response(
        log,
        after,
        accounts=[a.name for a in selected] if name else None,
        statuses=None,
        seconds=settings.events_stream_seconds,
    )


async def _request_page(
    request: Request, ledger: Ledger, log: EventLog, request_id: str
) -> Response:
    request_id = request_id.strip()
    if not request_id:
        return render(
            request,
            "request.html",
            status_code=422,
            active="orders",
            request_id="",
            legs=[],
            error="Enter a request id: the request_id of an API reply or an order's row.",
        )
    if not REQUEST_ID.match(request_id):
        return render(
            request,
            "request.html",
            status_code=422,
            active="orders",
            request_id=request_id[:128],
            legs=[],
            error="A request id holds only letters, digits and . _ : - (at most 128 "
            "characters); copy it from an order's row or an API reply.",
        )
    try:
        data = await request_legs(ledger, log, request_id)
    except OrdoError as exc:
        return render(
            request,
            "request.html",
            status_code=exc.http_status,
            active="orders",
            request_id=request_id,
            legs=[],
            error=exc.message,
        )
    legs = []
    for leg in data["legs"]:
        order_id = leg.get("broker_order_id")
        events = await log.for_order(leg["account"], order_id) if order_id else []
        legs.append(leg_view(leg, events))
    return render(
        request,
        "request.html",
        active="orders",
        request_id=request_id,
        legs=legs,
        error=None,
    )


@router.get("/requests", name="request_lookup")
async def request_lookup(
    request: Request,
    _: ConsoleSession,
    ledger: LedgerDep,
    log: Events,
    request_id: str = "",
) -> Response:
    """The lookup form's target (``?request_id=``)."""
    return await _request_page(request, ledger, log, request_id)


@router.get("/requests/{request_id}", name="request_detail")
async def request_detail(
    request: Request,
    _: ConsoleSession,
    ledger: LedgerDep,
    log: Events,
    request_id: Annotated[str, Path()],
) -> Response:
    return await _request_page(request, ledger, log, request_id)
