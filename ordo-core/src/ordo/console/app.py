"""The console application, mounted at ``/console`` by ``ordo.api.app`` only when
``console.enabled`` is true (this module, and Jinja2 with it, is imported only then).

It is a FastAPI sub-application so that its errors become HTML pages (the API's handlers
answer in the JSON envelope) and none of its routes reach the OpenAPI document. It shares
the gateway's ``app.state``, so ``request.app.state.ordo`` and the services of
``ordo.api.services`` work in console routes as in API routes. Runs inside the gateway's
middleware: request ids, the access audit and TLS/mTLS apply as to the API.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from loguru import logger
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordo.api.errors import request_id_of, safe_text
from ordo.config import Settings
from ordo.console import (
    pages_accounts,
    pages_audit,
    pages_callback,
    pages_orders,
    pages_safety,
    pages_signin,
    pages_status,
    pages_walk,
)
from ordo.console.auth import ConsoleSessions, CsrfRejected, FormRejected, SignInRequired
from ordo.console.context import ConsoleContext
from ordo.console.rendering import console_url, create_templates, render
from ordo.errors import OrdoError

CONSOLE_PREFIX = "/console"
PARTIAL_SUFFIXES = (".json", "/fragment")
"""Paths fetched by ``console.js``, not opened as pages: a lapsed session answers 401 there
(the script reloads the page, which then redirects to sign-in)."""

SECURITY_HEADERS = [
    # The project's own files only: no inline script, no third-party origin, no framing.
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # The login callback's URL carries a one-time auth code: no Referer may repeat it.
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every console response (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(
        request,
        "error.html",
        status_code=status,
        title=title,
        message=safe_text(request, message),
        request_id=request_id_of(request),
    )


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.url.path.endswith(PARTIAL_SUFFIXES):
        return JSONResponse({"signed_in": False, "expired": exc.expired}, status_code=401)
    # After signing in, a page is opened again; a form's target is not (it takes a POST).
    target = (
        request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method == "GET"
        else console_url(request, "/accounts")
    )
    reason = "&reason=expired" if exc.expired else ""
    location = console_url(request, f"/signin?next={quote(target, safe='')}{reason}")
    return RedirectResponse(location, status_code=303)


async def _csrf(request: Request, exc: Exception) -> Response:
    request.app.state.ordo.emitter.emit("console.csrf_rejected", path=request.url.path)
    return _error_page(
        request,
        403,
        "Form not accepted",
        "This form could not be verified: its security token is missing or out of date, "
        "so nothing was changed. Reload the page and submit it again.",
    )


async def _form(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRejected)
    return _error_page(request, exc.status, "Form not accepted", exc.message)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return _error_page(request, 404, "Not found", "There is no console page at this address.")
    if exc.status_code == 405:
        return _error_page(
            request, 405, "Not allowed", f"{request.method} is not used on this page."
        )
    return _error_page(request, exc.status_code, "Request refused", str(exc.detail))


async def _validation(request: Request, exc: Exception) -> Response:
    return _error_page(
        request, 422, "Not a valid address", "Part of this page's address is not valid."
    )


async def _ordo(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrdoError)
    return _error_page(request, exc.http_status, "Could not do that", exc.message)


async def _unhandled(request: Request, exc: Exception) -> Response:
    rid = request_id_of(request)
    logger.opt(exception=exc).error("unhandled console error in {}", request.url.path)
    return _error_page(
        request,
        500,
        "Something went wrong",
        f"Ordo hit an internal error; quote request id {rid} when reporting it.",
    )


def console_routers() -> list[APIRouter]:
    """Every console page's router, in navigation order."""
    # The walk's fixed paths (/accounts/login-all...) come before /accounts/{account}/...
    return [
        pages_signin.router,
        pages_walk.router,
        pages_accounts.router,
        pages_callback.router,
        pages_status.router,
        pages_safety.router,
        pages_orders.router,
        pages_audit.router,
    ]


def create_console(settings: Settings, state: State) -> FastAPI:
    """The console sub-application, sharing the gateway's ``state``."""
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state = state
    state.console = ConsoleContext(
        settings=settings,
        templates=create_templates(),
        sessions=ConsoleSessions(timedelta(minutes=settings.console.session_minutes)),
    )
    console.add_middleware(SecurityHeaders)
    console.add_exception_handler(SignInRequired, _sign_in_required)
    console.add_exception_handler(CsrfRejected, _csrf)
    console.add_exception_handler(FormRejected, _form)
    console.add_exception_handler(StarletteHTTPException, _http)
    console.add_exception_handler(RequestValidationError, _validation)
    console.add_exception_handler(OrdoError, _ordo)
    console.add_exception_handler(Exception, _unhandled)

    @console.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        return RedirectResponse(console_url(request, "/accounts"), status_code=303)

    for router in console_routers():
        console.include_router(router, include_in_schema=False)
    console.mount(
        "/static", StaticFiles(packages=[("ordo.console", "static")]), name="console_static"
    )
    return console


def mount_console(app: FastAPI, settings: Settings) -> None:
    """Mount the console on ``app`` at ``/console``."""
    app.mount(CONSOLE_PREFIX, create_console(settings, app.state), name="console")
