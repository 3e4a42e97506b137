"""``GET /api/v1/status`` and ``GET /status`` (FR20): health of the gateway and every
account. Token required unless ``ORDO_STATUS_PUBLIC=true``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordo import __version__
from ordo.api import envelope
from ordo.api.auth import require_token
from ordo.api.deps import RequestId, RuntimeDep
from ordo.runtime import OrdoRuntime
from ordo.status import account_snapshots, build_status

router = APIRouter(tags=["status"])
"""Mounted under ``/api/v1``."""
root_router = APIRouter(tags=["status"])
"""The same document at ``/status``."""


def status_document(runtime: OrdoRuntime) -> dict[str, Any]:
    """The current status document of ``runtime``."""
    accounts = list(runtime.accounts)
    snapshots = account_snapshots(
        accounts,
        {a.name: runtime.sessions.state(a) for a in accounts},
        runtime.sessions.last_login,
    )
    return build_status(snapshots, version=__version__)


async def _status(request: Request, runtime: OrdoRuntime, request_id: str) -> JSONResponse:
    if not runtime.settings.status_public:
        await require_token(request)
    document = status_document(runtime)
    document["webhooks"] = await runtime.webhooks.describe()
    return envelope.success(request_id, document)


@router.get(
    "/status",
    operation_id="get_status",
    summary="Gateway and per-account health: session, broker, breaker, rate limits",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def get_status(request: Request, runtime: RuntimeDep, request_id: RequestId) -> JSONResponse:
    return await _status(request, runtime, request_id)


@root_router.get("/status", operation_id="get_status_root", include_in_schema=False)
async def get_status_root(
    request: Request, runtime: RuntimeDep, request_id: RequestId
) -> JSONResponse:
    return await _status(request, runtime, request_id)
