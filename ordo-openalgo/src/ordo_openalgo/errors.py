"""OpenAlgo's error shape: ``{"status": "error", "message": ...}`` with an HTTP code."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from ordo.errors import OrdoError
from pydantic import ValidationError


class FacadeError(Exception):
    """A request the facade answers with OpenAlgo's error shape."""

    def __init__(self, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status


def not_supported(operation: str) -> FacadeError:
    return FacadeError(f"{operation} is not supported by Ordo yet", 501)


def from_ordo(exc: OrdoError) -> FacadeError:
    """Ordo's error in OpenAlgo's shape; a validation code (422) is OpenAlgo's 400."""
    status = 400 if exc.http_status == 422 else exc.http_status
    return FacadeError(f"{exc.code}: {exc.message}", status)


def from_validation(exc: ValidationError) -> FacadeError:
    """Every problem of a request body as one sentence naming the fields."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        text = "is required" if error["type"] == "missing" else error["msg"]
        problems.append(f"{where} {text}")
    return FacadeError("; ".join(problems), 400)


def error_response(error: FacadeError, extra: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(
        {"status": "error", "message": error.message, **(extra or {})},
        status_code=error.http_status,
    )
