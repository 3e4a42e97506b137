"""``GET /api/v1/status`` and ``GET /status`` (FR20): health of the gateway and every
account. Token required unless ``ORDO_STATUS_PUBLIC=true``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordo import __version__
from ordo.api import envelope
from ordo.api.auth import require_token
from ordo.api.deps import RequestId
from ordo.api.event_deps import Webhooks
from ordo.api.services import Accounts, Sessions, SettingsDep
from ordo.events.webhooks import WebhookDispatcher
from ordo.orchestrator.accounts import AccountSet
from ordo.sessions.manager import SessionManager
from ordo.status import account_snapshots, build_status

router = APIRouter(tags=["status"])
"""Mounted under ``/api/v1``."""
root_router = APIRouter(tags=["status"])
"""The same document at ``/status``."""


def status_document(accounts: AccountSet, sessions: SessionManager) -> dict[str, Any]:
    """The current status document of ``accounts`` and their sessions."""
    listed = list(accounts)
    snapshots = account_snapshots(
        listed, {a.name: sessions.state(a) for a in listed}, sessions.last_login
    )
    return build_status(snapshots, version=__version__)


async def _status(
    request: Request,
    public: bool,
    accounts: AccountSet,
    sessions: SessionManager,
    webhooks: WebhookDispatcher,
    request_id: str,
) -> JSONResponse:
    if not public:
        await require_token(request)
    document = status_document(accounts, sessions)
    document["webhooks"] = await webhooks.describe()
    return envelope.success(request_id, document)


@router.get(
    "/status",
    operation_id="get_status",
    summary="Gateway and per-account health: session, broker, breaker, rate limits",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def get_status(
    request: Request,
    settings: SettingsDep,
    accounts: Accounts,
    sessions: Sessions,
    webhooks: Webhooks,
    request_id: RequestId,
) -> JSONResponse:
    return await _status(request, settings.status_public, accounts, sessions, webhooks, request_id)


@root_router.get("/status", operation_id="get_status_root", include_in_schema=False)
async def get_status_root(
    request: Request,
    settings: SettingsDep,
    accounts: Accounts,
    sessions: Sessions,
    webhooks: Webhooks,
    request_id: RequestId,
) -> JSONResponse:
    return await _status(request, settings.status_public, accounts, sessions, webhooks, request_id)
