"""Where each login step leads in the console: the next prompt's page, the next account of
"log in all", or back to the accounts. Every step itself is ``SessionManager``'s."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ordo.api.errors import safe_text
from ordo.console.auth import SignedIn
from ordo.console.context import console_of, runtime_of
from ordo.console.logins import LoginWalk, input_for
from ordo.console.rendering import console_url, render
from ordo.domain import LoginChallenge, SessionState
from ordo.errors import OrdoError
from ordo.orchestrator.accounts import Account


def redirect_to(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(console_url(request, path), status_code=303)


def challenge_path(account: str, challenge_id: str) -> str:
    return f"/accounts/{account}/challenge/{challenge_id}"


def callback_url(request: Request, account: str) -> str:
    """The address to register as the broker app's redirect URI for ``account``."""
    path = console_url(request, f"/callback/{account}")
    return str(request.url.replace(path=path, query="", fragment=""))


def current_walk(request: Request, session: SignedIn, account: str) -> LoginWalk | None:
    """The session's "log in all" walk when it is at ``account``."""
    walk = console_of(request).walks.get(session.session_id)
    return walk if walk is not None and walk.current == account else None


async def start_login(request: Request, session: SignedIn, account: Account) -> Response:
    """Begin ``account``'s login and go where its first step leads."""
    try:
        result = await runtime_of(request).sessions.begin(account)
    except OrdoError as exc:
        message = safe_text(request, exc.message)
        walk = current_walk(request, session, account.name)
        if walk is not None:
            walk.finish_current(False, message)
            return await advance_walk(request, session, walk)
        return gone_page(request, session, account.name, message, status=exc.http_status)
    return await after_step(request, session, account, result)


async def after_step(
    request: Request, session: SignedIn, account: Account, result: dict[str, Any]
) -> Response:
    """An active session ends this account's login; a challenge shows its form."""
    if result.get("state") == SessionState.ACTIVE.value:
        walk = current_walk(request, session, account.name)
        if walk is not None:
            walk.finish_current(True, "Logged in.")
            return await advance_walk(request, session, walk)
        return redirect_to(request, f"/accounts?notice=logged_in&account={account.name}")
    challenge_id = str(result["challenge"]["challenge_id"])
    return redirect_to(request, challenge_path(account.name, challenge_id))


async def advance_walk(request: Request, session: SignedIn, walk: LoginWalk) -> Response:
    """Begin the next account's login; accounts that log in without a prompt (or fail at
    once) are noted and passed; the first prompt is shown; the end shows the summary."""
    runtime = runtime_of(request)
    while (name := walk.take_next()) is not None:
        account = runtime.accounts.get(name)
        try:
            result = await runtime.sessions.begin(account)
        except OrdoError as exc:
            walk.finish_current(False, safe_text(request, exc.message))
            continue
        if result.get("state") == SessionState.ACTIVE.value:
            walk.finish_current(True, "Logged in without a prompt.")
            continue
        return redirect_to(request, challenge_path(name, str(result["challenge"]["challenge_id"])))
    return redirect_to(request, "/accounts/login-all")


def challenge_page(
    request: Request,
    session: SignedIn,
    account: str,
    challenge: LoginChallenge,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    return _step_page(request, session, account, challenge, error, notice, status)


def gone_page(
    request: Request, session: SignedIn, account: str, message: str, *, status: int = 410
) -> Response:
    """The login of ``account`` is not waiting for this answer any more."""
    return _step_page(request, session, account, None, message, None, status)


def _step_page(
    request: Request,
    session: SignedIn,
    account: str,
    challenge: LoginChallenge | None,
    error: str | None,
    notice: str | None,
    status: int,
) -> Response:
    """The login-step page of ``account``: the challenge's form, or without a challenge
    only the message why there is none."""
    return render(
        request,
        "login_challenge.html",
        status_code=status,
        active="accounts",
        account=account,
        challenge=challenge,
        answer_input=input_for(challenge.kind) if challenge is not None else None,
        callback_url=callback_url(request, account) if challenge is not None else None,
        walk=current_walk(request, session, account),
        error=error,
        notice=notice,
    )
