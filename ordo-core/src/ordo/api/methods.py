"""HTTP method and media-type handling that routing alone gets wrong, as pure ASGI.

- ``OPTIONS`` on any documented path answers 204 with ``Allow`` listing every method the
  path supports (routing would answer 405 and name only the first route's methods).
- ``HEAD`` is answered as ``GET`` without the body.
- A method the path does not support answers 405 in the envelope, with the full ``Allow``.
- An operation that takes a JSON body refuses any other (or a missing) ``Content-Type``
  with 415 ``UNSUPPORTED_MEDIA_TYPE`` before the body is parsed.

The allowed methods and which operations take a body come from the app's OpenAPI
document, so the behaviour and the contract cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PARAM = re.compile(r"\{[^/{}]+\}")
_OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class PathMethods:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    """Upper-case methods the document lists for the path."""
    with_body: frozenset[str]
    """Methods whose operation takes a JSON request body."""

    def allow(self) -> str:
        implicit = {"OPTIONS"} | ({"HEAD"} if "GET" in self.methods else set())
        return ", ".join(sorted(self.methods | implicit))


def path_table(document: dict[str, Any]) -> list[PathMethods]:
    """Every documented path as a regular expression with its methods."""
    table = []
    for path, item in document.get("paths", {}).items():
        methods = {m.upper() for m in item if m in _OPERATION_METHODS}
        with_body = {
            m.upper()
            for m, op in item.items()
            if m in _OPERATION_METHODS and isinstance(op, dict) and "requestBody" in op
        }
        regex = (
            "^" + _PARAM.sub("[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        )
        table.append(PathMethods(re.compile(regex), frozenset(methods), frozenset(with_body)))
    return table


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class MethodsMiddleware:
    """Install inside ``RequestIdMiddleware`` (so errors carry the request id) and outside
    the access audit (so refused requests are still audited)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._table: list[PathMethods] | None = None

    def _paths(self, scope: Scope) -> list[PathMethods]:
        if self._table is None:
            app = scope.get("app")
            if not isinstance(app, Starlette) or not hasattr(app, "openapi"):
                return []
            self._table = path_table(app.openapi())
        return self._table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = next((p for p in self._paths(scope) if p.pattern.match(scope["path"])), None)
        if entry is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"].upper()
        if method == "OPTIONS":
            await Response(status_code=204, headers={"Allow": entry.allow()})(scope, receive, send)
            return
        if method == "HEAD" and "GET" in entry.methods:
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        if method not in entry.methods:
            await _error(
                scope,
                405,
                "METHOD_NOT_ALLOWED",
                f"{method} is not allowed on {scope['path']}; allowed: {entry.allow()}",
                {"Allow": entry.allow()},
            )(scope, receive, send)
            return
        if method in entry.with_body:
            content_type = _header(scope, b"content-type")
            if not is_json(content_type):
                got = f"got {content_type!r}" if content_type else "no Content-Type was sent"
                await _error(
                    scope,
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    f"send the request body as JSON with 'Content-Type: application/json' ({got})",
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _error(
    scope: Scope, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "status": "error",
        "request_id": scope.get("state", {}).get("request_id", ""),
        "error_code": code,
        "message": message,
        "details": None,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_headers_only
