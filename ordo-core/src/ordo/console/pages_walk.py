""" "Log in all": every account that is not logged in (or every account), one after the
other; prompts are answered on the usual challenge pages, and a summary ends the walk."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordo.api.services import Accounts, Sessions
from ordo.console.auth import CheckedForm, ConsoleSession
from ordo.console.context import console_of
from ordo.console.login_flow import advance_walk, challenge_path, redirect_to
from ordo.console.logins import accounts_to_walk
from ordo.console.rendering import render

router = APIRouter()


@router.post("/accounts/login-all")
async def start_walk(
    request: Request,
    session: ConsoleSession,
    form: CheckedForm,
    accounts: Accounts,
    sessions: Sessions,
) -> Response:
    states = {a.name: sessions.state(a) for a in accounts}
    names = accounts_to_walk(states, everyone=form.get("everyone") == "yes")
    walk = console_of(request).walks.start(session.session_id, names)
    return await advance_walk(request, session, walk)


@router.get("/accounts/login-all", name="login_all")
async def walk_page(
    request: Request, session: ConsoleSession, sessions: Sessions, accounts: Accounts
) -> Response:
    walks = console_of(request).walks
    walk = walks.get(session.session_id)
    if walk is None:
        return redirect_to(request, "/accounts")
    pending_path = None
    if walk.current is not None:
        pending = sessions.pending(accounts.get(walk.current))
        if pending:
            pending_path = challenge_path(walk.current, pending[-1].challenge_id)
    if walk.done:
        walks.end(session.session_id)
    return render(
        request, "login_all.html", active="accounts", walk=walk, pending_path=pending_path
    )


@router.post("/accounts/login-all/skip")
async def skip_account(request: Request, session: ConsoleSession, form: CheckedForm) -> Response:
    walk = console_of(request).walks.get(session.session_id)
    if walk is None:
        return redirect_to(request, "/accounts")
    walk.finish_current(False, "Skipped.")
    return await advance_walk(request, session, walk)


@router.post("/accounts/login-all/stop")
async def stop_walk(request: Request, session: ConsoleSession, form: CheckedForm) -> Response:
    walk = console_of(request).walks.get(session.session_id)
    if walk is not None:
        if walk.current is not None:
            walk.finish_current(False, "Stopped.")
        for name in walk.remaining:
            walk.current = name
            walk.finish_current(False, "Not attempted (stopped).")
        walk.remaining.clear()
    return redirect_to(request, "/accounts/login-all")


@router.post("/accounts/login-all/next")
async def next_account(request: Request, session: ConsoleSession, form: CheckedForm) -> Response:
    """Go on after a login that finished elsewhere (a broker's redirect to the callback)."""
    walk = console_of(request).walks.get(session.session_id)
    if walk is None:
        return redirect_to(request, "/accounts")
    if walk.current is not None:
        return redirect_to(request, "/accounts/login-all")
    return await advance_walk(request, session, walk)
