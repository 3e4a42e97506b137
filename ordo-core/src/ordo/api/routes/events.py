"""Order events: ``GET /api/v1/events`` (Server-Sent Events, resumable with
``Last-Event-ID``) and ``GET /api/v1/orders/{account}/{order_id}/events`` (one order's
history)."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.event_deps import Events
from ordo.errors import RequestError
from ordo.events.log import EventLog
from ordo.events.model import EventStatus, OrderEvent
from ordo.orchestrator.accounts import AccountSet, parse_account_list
from ordo.runtime import OrdoRuntime

router = APIRouter(tags=["events"])

KEEP_ALIVE_SECONDS = 15.0


async def _accounts(request: Request) -> AccountSet:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime.accounts


async def _stream_seconds(request: Request) -> float:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime.settings.events_stream_seconds


Accounts = Annotated[AccountSet, Depends(_accounts)]
StreamSeconds = Annotated[float, Depends(_stream_seconds)]


def resume_point(raw: str | None, log: EventLog) -> int:
    """The id after which a stream resumes: ``Last-Event-ID`` must be a number no larger
    than the newest event (a larger one belongs to another gateway or a wiped database,
    and resuming from it would silently skip events)."""
    if raw is None or raw == "":
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise RequestError(
            "INVALID_LAST_EVENT_ID",
            "Last-Event-ID must be the number of an event this gateway sent",
            http_status=422,
        )
    value = int(raw)
    if value > log.last_id:
        raise RequestError(
            "LAST_EVENT_ID_IN_FUTURE",
            f"Last-Event-ID {value} is newer than the newest event ({log.last_id}): "
            "not an id of this gateway",
            http_status=422,
        )
    return value


def sse_frame(event: OrderEvent) -> bytes:
    return f"id: {event.id}\nevent: order\ndata: {event.model_dump_json()}\n\n".encode()


async def event_stream(
    log: EventLog,
    after: int,
    *,
    accounts: list[str] | None,
    statuses: list[str] | None,
    seconds: float,
    keep_alive: float = KEEP_ALIVE_SECONDS,
) -> AsyncGenerator[bytes, None]:
    """Every matching event after ``after``, then new ones as they are stored, for at most
    ``seconds`` (the client reconnects with ``Last-Event-ID``)."""
    ends = time.monotonic() + seconds
    yield f"retry: 1000\n: resuming after {after}\n\n".encode()
    last = after
    while True:
        scanned = log.last_id
        while True:
            batch = await log.after(last, accounts=accounts, statuses=statuses)
            for event in batch:
                yield sse_frame(event)
                last = event.id
            if len(batch) < 500:
                break
        last = max(last, scanned)
        remaining = ends - time.monotonic()
        if remaining <= 0:
            return
        if not await log.wait_after(scanned, min(keep_alive, remaining)):
            yield b": keep-alive\n\n"


@router.get(
    "/events",
    operation_id="stream_events",
    summary="Order events as Server-Sent Events, resumable with Last-Event-ID",
    description="A `text/event-stream` of order events (`event: order`, `id:` the event "
    "id, `data:` the event as JSON), oldest first: first every event after `Last-Event-ID` "
    "(all stored events when absent), then new ones as they happen. The stream ends after "
    "`ORDO_EVENTS_STREAM_SECONDS`; reconnect with the last id seen as `Last-Event-ID` and "
    "no event is lost or repeated, across server restarts too.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The event stream",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def stream_events(
    log: Events,
    known: Accounts,
    seconds: StreamSeconds,
    _: Principal,
    accounts: Annotated[
        str | None,
        Query(description="Comma-separated account names; every account when omitted."),
    ] = None,
    status: Annotated[
        list[EventStatus] | None,
        Query(description="Only these statuses (repeat the parameter for several)."),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=64,
            # No pattern in the document: a header cannot be "absent" in every client, and
            # a non-number gets its own clear 422 (INVALID_LAST_EVENT_ID) from the route.
            description="Resume after this event id (the last one the client saw): a "
            "number no larger than the newest event's id.",
        ),
    ] = None,
) -> StreamingResponse:
    names = parse_account_list(accounts)
    selected = [a.name for a in known.select(names)] if names else None
    after = resume_point(last_event_id, log)
    statuses = None if status is None else [s.value for s in status]
    return event_response(log, after, accounts=selected, statuses=statuses, seconds=seconds)


def event_response(
    log: EventLog,
    after: int,
    *,
    accounts: list[str] | None,
    statuses: list[str] | None,
    seconds: float,
) -> StreamingResponse:
    """The ``text/event-stream`` response of ``event_stream`` (the API's stream and the
    console's, which differ only in how the caller is authenticated)."""
    stream = event_stream(log, after, accounts=accounts, statuses=statuses, seconds=seconds)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        # No proxy may buffer the stream (nginx honours X-Accel-Buffering).
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/orders/{account}/{order_id}/events",
    operation_id="get_order_events",
    summary="One order's events, oldest first",
    response_model=envelope.Envelope[list[OrderEvent]],
)
async def get_order_events(
    log: Events,
    known: Accounts,
    request_id: RequestId,
    _: Principal,
    account: Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$", examples=["paper"])],
    order_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> JSONResponse:
    known.get(account)
    return envelope.success(request_id, await log.for_order(account, order_id))
