"""Exception handlers: every error, 401/404/405/422/500 included, leaves in the envelope."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordo.api import envelope
from ordo.api.middleware import new_request_id
from ordo.audit.redaction import redact_ordered, redact_text
from ordo.errors import OrdoError

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


def safe_text(request: Request, text: str) -> str:
    """``text`` with every secret the running gateway knows masked: an error message may
    quote a broker's reply or a URL, and a response is one more place a secret must not
    reach."""
    runtime = getattr(request.app.state, "ordo", None)
    emitter = getattr(runtime, "emitter", None)
    if emitter is None:
        return redact_text(text)
    return str(redact_ordered(text, emitter.secrets.forms()))


def request_id_of(request: Request) -> str:
    rid = request.scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else new_request_id()


PATTERN_MISMATCH = {
    "symbols": (
        "INVALID_SYMBOL",
        "give comma-separated EXCHANGE:SYMBOL pairs with a known exchange (NSE, BSE, NFO, BFO, "
        "MCX, CDS, NSE_INDEX, BSE_INDEX), for example NSE:SBIN,NSE:INFY",
    ),
    "cursor": ("INVALID_CURSOR", "pass back the next_cursor of the previous page, unchanged"),
}
"""Parameters whose documented pattern deserves a specific code and a message a person can
act on (pydantic would quote the regular expression)."""


def validation_code(error: dict[str, Any]) -> str:
    """A specific, machine-readable code for one pydantic validation error."""
    kind = str(error.get("type", ""))
    loc = [str(p) for p in error.get("loc", ())]
    field = loc[-1] if loc else ""
    message = str(error.get("msg", ""))
    if kind == "string_pattern_mismatch" and field in PATTERN_MISMATCH:
        return PATTERN_MISMATCH[field][0]
    if kind == "json_invalid":
        return "MALFORMED_JSON"
    if kind == "extra_forbidden":
        return "UNKNOWN_FIELD"
    if kind == "missing":
        return "MISSING_FIELD"
    if field == "quantity":
        return "INVALID_QUANTITY"
    if "needs a price" in message:
        return "PRICE_REQUIRED"
    if "needs a trigger_price" in message:
        return "TRIGGER_PRICE_REQUIRED"
    if "takes no price" in message or "takes no trigger_price" in message:
        return "UNEXPECTED_PRICE"
    if field in ("price", "trigger_price"):
        return "INVALID_PRICE"
    if field == "slice" and "derivatives" in message:
        # A cross-field rule (slice needs a derivative exchange), like PRICE_REQUIRED.
        return "SLICE_NOT_DERIVATIVE"
    if kind in ("enum", "literal_error"):
        return "INVALID_VALUE"
    if "EXCHANGE:SYMBOL" in message or field == "symbol":
        return "INVALID_SYMBOL"
    return "VALIDATION_ERROR"


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") == "string_pattern_mismatch" and loc and loc[-1] in PATTERN_MISMATCH:
        message = PATTERN_MISMATCH[loc[-1]][1]
    return {"field": ".".join(loc) or None, "code": validation_code(error), "message": message}


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [dict(e) for e in exc.errors()]
    problems = [_describe(e) for e in errors]
    first = problems[0] if problems else {"code": "VALIDATION_ERROR", "message": "invalid"}
    # A body that is not JSON at all is a bad request; valid JSON with bad values is 422.
    status = 400 if errors and errors[0].get("type") == "json_invalid" else 422
    where = f"{first['field']}: " if first.get("field") else ""
    return envelope.error(
        request_id_of(request),
        first["code"],
        f"{where}{first['message']}",
        status_code=status,
        details=problems,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    message = safe_text(request, str(exc.detail))
    if exc.status_code == 404 and message == "Not Found":
        message = f"no endpoint at {safe_text(request, request.url.path)}"
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {safe_text(request, request.url.path)}"
    return envelope.error(
        request_id_of(request),
        code,
        message,
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def _ordo(request: Request, exc: Exception) -> JSONResponse:
    """Every error of the taxonomy (``ordo.errors``): its class names code and status."""
    assert isinstance(exc, OrdoError)
    return envelope.error(
        request_id_of(request),
        exc.code,
        safe_text(request, exc.message),
        status_code=exc.http_status,
        details=exc.details,
        headers=exc.headers,
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id_of(request)
    logger.opt(exception=exc).error("unhandled error in {} {}", request.method, request.url.path)
    return envelope.error(
        rid,
        "INTERNAL_ERROR",
        f"internal error; quote request id {rid} when reporting it",
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OrdoError, _ordo)
    app.add_exception_handler(Exception, _unhandled)
