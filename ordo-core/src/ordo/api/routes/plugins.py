"""``GET /api/v1/plugins``: installed plugins, their hooks, adapters and load errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.services import PluginsDep

router = APIRouter(tags=["plugins"])


@router.get(
    "/plugins",
    operation_id="list_plugins",
    summary="Installed plugins with versions, hooks, adapter ids, capabilities, load errors",
    response_model=envelope.Envelope[list[dict[str, Any]]],
)
async def list_plugins(
    plugins: PluginsDep, request_id: RequestId, _: Principal, all: bool = False
) -> JSONResponse:
    listing = plugins.listing(include_builtin=all)
    return envelope.success(request_id, [p.as_dict() for p in listing])
