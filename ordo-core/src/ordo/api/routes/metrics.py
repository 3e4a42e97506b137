"""``GET /metrics``: Prometheus text format. Token required unless ``ORDO_METRICS_PUBLIC``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from ordo.api.auth import require_token
from ordo.api.services import MetricsDep, SettingsDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    operation_id="get_metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def get_metrics(request: Request, settings: SettingsDep, metrics: MetricsDep) -> Response:
    if not settings.metrics_public:
        await require_token(request)
    body = metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
