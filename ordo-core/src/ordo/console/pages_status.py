"""Status: overall health and, per account, connection, session, breaker, rate headroom,
last call and last error. The page refreshes its body by itself (``console.js`` fetches
the fragment; without JavaScript a meta refresh reloads the page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ordo.api.event_deps import Webhooks
from ordo.api.routes.status import status_document
from ordo.api.services import Accounts, KillSwitchDep, Sessions
from ordo.console.auth import ConsoleSession
from ordo.console.context import console_of
from ordo.console.rendering import render
from ordo.events.webhooks import WebhookDispatcher
from ordo.orchestrator.accounts import AccountSet
from ordo.orchestrator.kill_switch import KillSwitchService
from ordo.sessions.manager import SessionManager

router = APIRouter()


async def current_status(
    accounts: AccountSet,
    sessions: SessionManager,
    webhooks: WebhookDispatcher,
    kill_switch: KillSwitchService,
) -> dict[str, Any]:
    """The ``/status`` document, plus the kill switch."""
    document = status_document(accounts, sessions)
    document["webhooks"] = await webhooks.describe()
    state = kill_switch.state
    document["kill_switch"] = {"active": state.active, "reason": state.reason}
    return document


def _context(request: Request, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "active": "status",
        "status": document,
        "refresh_seconds": console_of(request).settings.console.status_refresh_seconds,
    }


async def _status_now(
    accounts: Accounts, sessions: Sessions, webhooks: Webhooks, kill_switch: KillSwitchDep
) -> dict[str, Any]:
    return await current_status(accounts, sessions, webhooks, kill_switch)


StatusNow = Annotated[dict[str, Any], Depends(_status_now)]
"""The status document of this request, for each of the views of it below."""


@router.get("/status", name="status")
async def status_page(request: Request, session: ConsoleSession, document: StatusNow) -> Response:
    return render(request, "status.html", **_context(request, document))


@router.get("/status/fragment")
async def status_fragment(
    request: Request, session: ConsoleSession, document: StatusNow
) -> Response:
    """The page's body alone, for ``console.js`` to swap in."""
    return render(request, "_status_body.html", **_context(request, document))


@router.get("/status.json")
async def status_json(session: ConsoleSession, document: StatusNow) -> JSONResponse:
    return JSONResponse(document)
