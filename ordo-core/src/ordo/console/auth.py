"""Console sign-in: an API token once, then a server-side session behind a cookie.

The cookie carries only a random session key (HttpOnly, SameSite=Strict, Secure when the
gateway serves TLS or sits behind a TLS proxy, expiring with the session); the store keeps
the SHA-256 of that key with the token's *name*, never the token. Every form carries the
session's CSRF token and every POST is checked against it (``verify_csrf``); the sign-in
form, which has no session yet, is protected by a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response
from markupsafe import Markup, escape

from ordo.context import actor_var

SESSION_COOKIE = "ordo_console"
SIGNIN_COOKIE = "ordo_console_signin"
"""Double-submit CSRF cookie of the sign-in form (the only form without a session)."""
SIGNIN_COOKIE_SECONDS = 15 * 60
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SignedIn:
    """One console session: who signed in (the API token's name), its CSRF token, expiry."""

    actor: str
    csrf: str
    expires_at: datetime
    session_id: str = field(default_factory=lambda: secrets.token_hex(8))
    """Names the session in server-side state (a login walk); not a secret, not the cookie."""


class ConsoleSessions:
    """Server-side console sessions, in memory: a restart signs everyone out, and a logout
    really ends the session (a signed cookie could not be revoked)."""

    def __init__(
        self, lifetime: timedelta, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.lifetime = lifetime
        self.clock = clock
        self._sessions: dict[str, SignedIn] = {}

    @staticmethod
    def _key(cookie: str) -> str:
        return hashlib.sha256(cookie.encode("utf-8")).hexdigest()

    def create(self, actor: str) -> tuple[str, SignedIn]:
        """A new session for ``actor``: (the cookie value, the session)."""
        self._drop_expired()
        cookie = secrets.token_urlsafe(32)
        session = SignedIn(
            actor=actor, csrf=secrets.token_urlsafe(32), expires_at=self.clock() + self.lifetime
        )
        self._sessions[self._key(cookie)] = session
        return cookie, session

    def lookup(self, cookie: str | None) -> tuple[SignedIn | None, bool]:
        """(the live session, whether the cookie named one that has expired)."""
        if not cookie:
            return None, False
        key = self._key(cookie)
        session = self._sessions.get(key)
        if session is None:
            return None, False
        if session.expires_at <= self.clock():
            del self._sessions[key]
            return None, True
        return session, False

    def end(self, cookie: str | None) -> SignedIn | None:
        if not cookie:
            return None
        return self._sessions.pop(self._key(cookie), None)

    def _drop_expired(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]


class SignInRequired(Exception):
    """No live console session: pages redirect to the sign-in page."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("sign in to the console")
        self.expired = expired


class CsrfRejected(Exception):
    """A form arrived without the CSRF token of the session (or of the sign-in form)."""


class FormRejected(Exception):
    """A form body the console cannot read (wrong media type, too large)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def console_sessions(request: Request) -> ConsoleSessions:
    store: ConsoleSessions = request.app.state.console.sessions
    return store


def cookie_is_secure(request: Request) -> bool:
    """Secure cookies when the browser talks TLS: Ordo serves TLS itself, a TLS proxy sits in
    front (``behind_proxy``), or the request came over https."""
    settings = request.app.state.console.settings
    return bool(
        settings.certfile is not None or settings.behind_proxy or request.url.scheme == "https"
    )


def cookie_path(request: Request) -> str:
    return str(request.scope.get("root_path") or "/console")


def set_console_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    max_age: int,
    expires: datetime | None = None,
) -> None:
    """Set one of the console's cookies with the policy they all share: HttpOnly,
    SameSite=Strict, scoped to the console's path, Secure under TLS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=expires,
        path=cookie_path(request),
        secure=cookie_is_secure(request),
        httponly=True,
        samesite="strict",
    )


def drop_console_cookie(response: Response, request: Request, name: str) -> None:
    """Delete one of the console's cookies (the attributes must match the ones it was set
    with, or the browser keeps it)."""
    response.delete_cookie(
        name,
        path=cookie_path(request),
        secure=cookie_is_secure(request),
        httponly=True,
        samesite="strict",
    )


async def require_session(request: Request) -> SignedIn:
    """The live console session; otherwise the page redirects to sign-in."""
    session, expired = console_sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired(expired=expired)
    actor_var.set(session.actor)
    request.state.actor = session.actor
    request.state.console_session = session
    return session


ConsoleSession = Annotated[SignedIn, Depends(require_session)]


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body of a console form (first value of each field)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_MEDIA_TYPE:
        raise FormRejected(415, "The console accepts only its own HTML forms.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormRejected(413, "The form is too large.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=64
        )
    except (UnicodeDecodeError, ValueError):
        raise FormRejected(400, "The form could not be read.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def verify_csrf(session: SignedIn, form: dict[str, str]) -> None:
    """Raise ``CsrfRejected`` unless ``form`` carries ``session``'s CSRF token."""
    sent = form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise CsrfRejected()


async def checked_form(request: Request, session: ConsoleSession) -> dict[str, str]:
    """The posted form, once its CSRF token matched the session's."""
    form = await read_form(request)
    verify_csrf(session, form)
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
"""Depend on this in every console POST: the session is live and the CSRF token matched."""


def csrf_field(token: str) -> Markup:
    """The hidden input every console form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))
