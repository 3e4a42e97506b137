"""The one response envelope of every endpoint and every error (FR21).

``{"status": "success"|"partial"|"error", "request_id", "data" | "results" | "error_code",
"message"}``. Per-account results carry their own status, error_code, message, retryable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ordo.domain import AccountResult
from ordo.orchestrator.fanout import collate

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
    follow from the legs (``collate``)."""
    status, status_code = collate(results)
    body: dict[str, Any] = {
        "status": status,
        "request_id": request_id,
        "results": [r.model_dump(mode="json") for r in results],
        "message": message or _summary(results),
    }
    if data is not None:
        body["data"] = jsonable(data)
    return JSONResponse(body, status_code=status_code)


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


def _summary(results: Sequence[AccountResult]) -> str:
    ok = sum(1 for r in results if r.status == "success")
    return f"{ok} of {len(results)} accounts succeeded"
