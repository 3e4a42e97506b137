"""The one response envelope of every endpoint and every error (FR21).

``{"status": "success"|"partial"|"error", "request_id", "data" | "results" | "error_code",
"message"}``. Per-account results carry their own status, error_code, message, retryable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ordo.domain import AccountResult
from ordo.orchestrator.fanout import Reply, collated_body

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """A single-resource success response."""

    status: Literal["success"] = "success"
    request_id: str
    data: T
    message: str = ""


class AccountResultOf(BaseModel, Generic[T]):
    account: str
    broker: str
    status: Literal["success", "error", "unknown"]
    data: T | None = None
    error_code: str | None = None
    message: str = ""
    retryable: bool = False


class FanoutEnvelope(BaseModel, Generic[T]):
    """A response collated from several accounts."""

    status: Literal["success", "partial", "error"]
    request_id: str
    results: list[AccountResultOf[T]]
    message: str = ""


class ErrorEnvelope(BaseModel):
    status: Literal["error"] = "error"
    request_id: str
    error_code: str = Field(examples=["UNKNOWN_ACCOUNT"])
    message: str
    details: Any = None


def jsonable(value: Any) -> Any:
    """Domain models to JSON-ready data (decimals as strings, datetimes ISO 8601)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def success(
    request_id: str, data: Any, *, message: str = "", status_code: int = 200
) -> JSONResponse:
    body = {
        "status": "success",
        "request_id": request_id,
        "data": jsonable(data),
        "message": message,
    }
    return JSONResponse(body, status_code=status_code)


def fanout(
    request_id: str,
    results: Sequence[AccountResult],
    *,
    message: str = "",
    data: Any = None,
) -> JSONResponse:
    """A response collated from per-account results; its overall status and HTTP code
    follow from the legs (``orchestrator.fanout.collate``)."""
    status_code, body = collated_body(request_id, results, message=message)
    if data is not None:
        body["data"] = jsonable(data)
    return JSONResponse(body, status_code=status_code)


def reply(answer: Reply) -> Response:
    """A response rendered by a service (``orchestrator.fanout.render``), as it is."""
    return Response(
        content=answer.body,
        status_code=answer.status_code,
        media_type="application/json",
        headers=answer.headers,
    )


def error(
    request_id: str,
    code: str,
    message: str,
    *,
    status_code: int,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "status": "error",
        "request_id": request_id,
        "error_code": code,
        "message": message,
        "details": jsonable(details),
    }
    return JSONResponse(body, status_code=status_code, headers=headers)
