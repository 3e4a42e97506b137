"""Accounts and the daily login: each account's session, one button to log in, the
challenge's prompt as a form (with resend), all through ``SessionManager``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ordo.api.errors import safe_text
from ordo.api.routes.status import status_document
from ordo.api.services import Accounts, Sessions
from ordo.console.auth import CheckedForm, ConsoleSession, SignedIn
from ordo.console.login_flow import (
    after_step,
    challenge_page,
    challenge_path,
    gone_page,
    redirect_to,
    start_login,
)
from ordo.console.logins import check_answer
from ordo.console.rendering import render
from ordo.domain import LoginChallenge
from ordo.errors import OrdoError
from ordo.orchestrator.accounts import AccountSet
from ordo.sessions.descriptions import describe_accounts
from ordo.sessions.manager import SessionManager

router = APIRouter()

AccountName = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
ChallengeId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]

NOTICES = {
    "logged_in": "{account} is logged in.",
    "logged_out": "{account} is logged out.",
}
GONE = (
    "This login step of {account} is no longer waiting for an answer: it was answered, "
    "replaced by a newer one, or it expired. Start the login again."
)


def account_rows(accounts: AccountSet, sessions: SessionManager) -> list[dict[str, Any]]:
    """Each account as the accounts page shows it: session, expiry, pending prompt, and the
    egress check when the status document carries one."""
    status = {a["name"]: a for a in status_document(accounts, sessions)["accounts"]}
    rows = describe_accounts(accounts, sessions)
    for row in rows:
        pending = sessions.pending(accounts.get(row["name"]))
        row["pending_challenge"] = pending[-1].challenge_id if pending else None
        row["egress"] = status.get(row["name"], {}).get("egress")
    return rows


def _pending(
    sessions: SessionManager, accounts: AccountSet, account: str, challenge_id: str
) -> LoginChallenge | None:
    found = [c for c in sessions.pending(accounts.get(account)) if c.challenge_id == challenge_id]
    return found[0] if found else None


def _gone(request: Request, session: SignedIn, account: str) -> Response:
    return gone_page(request, session, account, GONE.format(account=account))


@router.get("/accounts", name="accounts")
async def accounts_page(
    request: Request, session: ConsoleSession, accounts: Accounts, sessions: Sessions
) -> Response:
    notice_key = request.query_params.get("notice", "")
    named = request.query_params.get("account", "")
    notice = (
        NOTICES[notice_key].format(account=named)
        if notice_key in NOTICES and named in accounts.names()
        else None
    )
    return render(
        request,
        "accounts.html",
        active="accounts",
        accounts=account_rows(accounts, sessions),
        notice=notice,
    )


@router.post("/accounts/{account}/login")
async def begin_login(
    request: Request,
    session: ConsoleSession,
    form: CheckedForm,
    accounts: Accounts,
    account: AccountName,
) -> Response:
    return await start_login(request, session, accounts.get(account))


@router.get("/accounts/{account}/challenge/{challenge_id}")
async def challenge_form(
    request: Request,
    session: ConsoleSession,
    accounts: Accounts,
    sessions: Sessions,
    account: AccountName,
    challenge_id: ChallengeId,
) -> Response:
    challenge = _pending(sessions, accounts, account, challenge_id)
    if challenge is None:
        return _gone(request, session, account)
    notice = "A new code is on its way." if request.query_params.get("resent") else None
    return challenge_page(request, session, account, challenge, notice=notice)


@router.post("/accounts/{account}/challenge/{challenge_id}")
async def answer_challenge(
    request: Request,
    session: ConsoleSession,
    form: CheckedForm,
    accounts: Accounts,
    sessions: Sessions,
    account: AccountName,
    challenge_id: ChallengeId,
) -> Response:
    challenge = _pending(sessions, accounts, account, challenge_id)
    if challenge is None:
        return _gone(request, session, account)
    answer, problem = check_answer(challenge.kind, form.get("answer", ""))
    if problem is not None:
        return challenge_page(request, session, account, challenge, error=problem, status=422)
    target = accounts.get(account)
    try:
        result = await sessions.answer(target, challenge_id, answer)
    except OrdoError as exc:
        message = safe_text(request, exc.message)
        # Still waiting (a wrong code with attempts left): the same form again, with why.
        still = _pending(sessions, accounts, account, challenge_id)
        if still is not None:
            return challenge_page(request, session, account, still, error=message, status=422)
        return gone_page(request, session, account, message, status=exc.http_status)
    return await after_step(request, session, target, result)


@router.post("/accounts/{account}/challenge/{challenge_id}/resend")
async def resend_challenge(
    request: Request,
    session: ConsoleSession,
    form: CheckedForm,
    accounts: Accounts,
    sessions: Sessions,
    account: AccountName,
    challenge_id: ChallengeId,
) -> Response:
    if _pending(sessions, accounts, account, challenge_id) is None:
        return _gone(request, session, account)
    try:
        result = await sessions.resend(accounts.get(account), challenge_id)
    except OrdoError as exc:
        return gone_page(
            request, session, account, safe_text(request, exc.message), status=exc.http_status
        )
    if "challenge" not in result:
        return await after_step(request, session, accounts.get(account), result)
    fresh = str(result["challenge"]["challenge_id"])
    return redirect_to(request, challenge_path(account, fresh) + "?resent=1")


@router.post("/accounts/{account}/logout")
async def logout_account(
    request: Request,
    session: ConsoleSession,
    form: CheckedForm,
    accounts: Accounts,
    sessions: Sessions,
    account: AccountName,
) -> Response:
    await sessions.logout(accounts.get(account))
    return redirect_to(request, f"/accounts?notice=logged_out&account={account}")
