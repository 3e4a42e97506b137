"""API access audit and request metrics, as a pure-ASGI middleware (no body buffering).

Every HTTP request yields an ``api.request`` event when it arrives and an ``api.response``
event when it is answered (method, path, status, elapsed ms), both carrying the request id
and the actor: the *name* of the bearer token presented, never the token. Bodies are not
recorded (an OTP answer travels in one); query parameters are, redacted by key name and by
value (every API token, session token and configured secret is known to the redaction).

A bearer token in the query string is refused (401 ``TOKEN_IN_QUERY``) before any route
runs: URLs end up in proxy logs, browser history and shell history, so a token is accepted
only in the ``Authorization`` header.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordo.api.auth import presented_token
from ordo.config import match_token, token_algo
from ordo.context import actor_var, algo_var
from ordo.runtime import OrdoRuntime

TOKEN_PARAM_NAMES = frozenset(
    {"token", "access_token", "api_token", "apitoken", "bearer", "auth", "authorization"}
)
"""Query parameters that only a client trying to authenticate through the URL would send."""
TOKEN_IN_QUERY_MESSAGE = (
    "API tokens are accepted only in the 'Authorization: Bearer <token>' header, never in "
    "the URL (URLs end up in proxy, browser and shell logs). Remove it from the query string; "
    "if it was a real token, rotate it."
)


def token_in_query(runtime: OrdoRuntime, query: list[tuple[str, str]]) -> bool:
    """Whether the query string carries a bearer token: a token-named parameter, or any
    value that is one of the configured API tokens."""
    for name, value in query:
        if name.lower() in TOKEN_PARAM_NAMES:
            return True
        if len(value) >= 8 and match_token(runtime.tokens, value) is not None:
            return True
    return False


QUIET_PREFIXES = ("/console/static/",)
"""Paths whose successful reads are not audited: the console's stylesheets and scripts are
fetched with every page view and would bury the audit trail's real events."""


def _runtime(scope: Scope) -> OrdoRuntime | None:
    app = scope.get("app")
    if not isinstance(app, Starlette):
        return None
    # Before the lifespan has started there is no runtime, so nothing to audit.
    runtime = getattr(app.state, "ordo", None)
    return runtime if isinstance(runtime, OrdoRuntime) else None


def route_template(scope: Scope) -> str | None:
    """The matched route as a template (``/api/v1/orders/{order_id}``), or ``None`` when no
    route matched. Rebuilt from the path and its parameters, which every router version
    leaves in the scope, so prefixes of included routers are always part of it."""
    if scope.get("route") is None:
        return None
    params = {str(v): k for k, v in (scope.get("path_params") or {}).items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join(f"{{{params[s]}}}" if s in params else s for s in segments)


class AccessMiddleware:
    """Audits and times every HTTP request. Install inside ``RequestIdMiddleware`` so the
    request id is set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = _runtime(scope) if scope["type"] == "http" else None
        if runtime is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = presented_token(request)
        actor = match_token(runtime.tokens, token) if token else None
        if actor is not None:
            actor_var.set(actor)
            algo_var.set(token_algo(runtime.tokens, actor))
            # A token configured only by its SHA-256 becomes known by value once presented.
            runtime.emitter.secrets.add(token)
        method, path = scope["method"], scope["path"]
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query = dict(pairs)
        refused = token_in_query(runtime, pairs)
        if not refused and method in ("GET", "HEAD") and path.startswith(QUIET_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        runtime.emitter.emit(
            "api.request",
            actor=actor,
            method=method,
            path=path,
            query=query,
            client=client[0] if client else None,
        )
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        app: ASGIApp = self.app
        if refused:
            app = JSONResponse(
                {
                    "status": "error",
                    "request_id": scope.get("state", {}).get("request_id", ""),
                    "error_code": "TOKEN_IN_QUERY",
                    "message": TOKEN_IN_QUERY_MESSAGE,
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ordo"'},
            )
        try:
            await app(scope, receive, record_status)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            runtime.emitter.emit(
                "api.response",
                actor=actor,
                method=method,
                path=path,
                route=route,
                status=status,
                elapsed_ms=round(elapsed * 1000, 3),
            )
            runtime.observability.metrics.observe_request(method, route, status, elapsed)
