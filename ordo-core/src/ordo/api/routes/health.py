"""``GET /health``: public liveness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ordo import __version__
from ordo.api import envelope
from ordo.api.deps import RequestId

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    operation_id="get_health",
    summary="Liveness probe (no token needed)",
    response_model=envelope.Envelope[dict[str, str]],
)
async def health(request_id: RequestId) -> JSONResponse:
    return envelope.success(request_id, {"status": "ok", "version": __version__})
