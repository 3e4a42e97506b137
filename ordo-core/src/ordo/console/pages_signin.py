"""Sign-in and sign-out pages. The token travels once, in a POST body (never a URL, never
recorded: the access audit records no bodies); only its name is kept and audited."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ordo.config import match_token
from ordo.console.auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    SIGNIN_COOKIE_SECONDS,
    CsrfRejected,
    checked_form,
    console_sessions,
    drop_console_cookie,
    read_form,
    require_session,
    set_console_cookie,
)
from ordo.console.rendering import console_url, render
from ordo.context import actor_var

router = APIRouter()

MESSAGES = {
    "expired": "Your console session expired. Sign in again.",
    "signed_out": "You are signed out.",
}


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after signing in: a console page, never another site."""
    base = console_url(request, "/")
    if target and target.startswith(base) and "//" not in target and "\\" not in target:
        return target
    return console_url(request, "/accounts")


def _signin_page(
    request: Request, *, message: str | None, error: str | None, target: str, status: int = 200
) -> Response:
    nonce = secrets.token_urlsafe(32)
    response = render(
        request,
        "signin.html",
        status_code=status,
        signin_csrf=nonce,
        message=message,
        error=error,
        next_url=target,
    )
    set_console_cookie(response, request, SIGNIN_COOKIE, nonce, max_age=SIGNIN_COOKIE_SECONDS)
    return response


@router.get("/signin", name="signin")
async def signin_page(request: Request) -> Response:
    target = safe_next(request, request.query_params.get("next"))
    session, _ = console_sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        return RedirectResponse(target, status_code=303)
    reason = request.query_params.get("reason", "")
    return _signin_page(
        request,
        message=MESSAGES.get(reason),
        error=None,
        target=target,
    )


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await read_form(request)
    target = safe_next(request, form.get("next"))
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRejected()
    runtime = request.app.state.ordo
    token = form.get("token", "").strip()
    name = match_token(runtime.tokens, token) if token else None
    if name is None:
        runtime.emitter.emit("console.signin_failed", reason="invalid_token")
        return _signin_page(
            request,
            message=None,
            error="That API token is not valid. Check it and try again."
            if token
            else "Enter an API token.",
            target=target,
            status=401,
        )
    # A token configured only by its SHA-256 becomes known by value now: redaction masks it.
    runtime.emitter.secrets.add(token)
    actor_var.set(name)
    cookie, session = console_sessions(request).create(name)
    runtime.emitter.emit("console.signin", actor=name, expires_at=session.expires_at.isoformat())
    response = RedirectResponse(target, status_code=303)
    set_console_cookie(
        response,
        request,
        SESSION_COOKIE,
        cookie,
        max_age=int(console_sessions(request).lifetime.total_seconds()),
        expires=session.expires_at,
    )
    drop_console_cookie(response, request, SIGNIN_COOKIE)
    return response


@router.post("/signout", name="signout")
async def signout(request: Request) -> Response:
    session = await require_session(request)
    await checked_form(request, session)
    console_sessions(request).end(request.cookies.get(SESSION_COOKIE))
    request.app.state.ordo.emitter.emit("console.signout", actor=session.actor)
    response = RedirectResponse(console_url(request, "/signin?reason=signed_out"), 303)
    drop_console_cookie(response, request, SESSION_COOKIE)
    return response
