"""The redirect URI of browser logins (Fyers): the broker sends the browser here with the
auth code and the login's ``state``, and the pending login completes, so nobody copies a
URL by hand.

No console session is needed, or possible: the session cookie is SameSite=Strict, so a
browser arriving from the broker's site does not send it. The unguessable ``state`` of
the pending challenge is what ties the redirect to the login started in the console (the
adapter checks it), and a ``state`` already used is refused as a replay.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ordo.api.errors import safe_text
from ordo.api.services import Accounts, Sessions
from ordo.console.context import console_of, runtime_of
from ordo.console.login_flow import challenge_path
from ordo.console.logins import redirect_challenge
from ordo.console.rendering import render
from ordo.domain import SessionState
from ordo.errors import OrdoError

router = APIRouter()

AccountName = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
MIN_SECRET_LENGTH = 8


def _page(
    request: Request,
    account: str,
    *,
    ok: bool,
    message: str,
    status: int,
    next_path: str | None = None,
    walking: bool = False,
) -> Response:
    return render(
        request,
        "callback.html",
        status_code=status,
        account=account,
        ok=ok,
        message=message,
        next_path=next_path,
        walking=walking,
    )


@router.get("/callback/{account}", name="login_callback")
async def login_callback(
    request: Request, accounts: Accounts, sessions: Sessions, account: AccountName
) -> Response:
    target = accounts.get(account)
    # The auth code is a credential until exchanged: mask it wherever text is redacted.
    runtime_of(request).emitter.secrets.add(
        *(v for v in request.query_params.values() if len(v) >= MIN_SECRET_LENGTH)
    )
    console = console_of(request)
    state = request.query_params.get("state", "")
    if state and state in console.used_callback_states:
        return _page(
            request,
            account,
            ok=False,
            status=409,
            message=f"This login link was already used: it logged {account} in once and "
            "cannot be used again. Start a new login from the console if you need one.",
        )
    challenge = redirect_challenge(sessions.pending(target))
    if challenge is None:
        return _page(
            request,
            account,
            ok=False,
            status=410,
            message=f"No login of {account} is waiting for the broker's answer: it already "
            "finished, expired, or was not started from this console. Start the login again.",
        )
    try:
        result = await sessions.answer(target, challenge.challenge_id, str(request.url))
    except OrdoError as exc:
        return _page(
            request,
            account,
            ok=False,
            status=exc.http_status,
            message=safe_text(request, exc.message),
        )
    if state:
        console.used_callback_states.add(state)
    if result.get("state") != SessionState.ACTIVE.value:
        next_id = str(result["challenge"]["challenge_id"])
        return _page(
            request,
            account,
            ok=True,
            status=200,
            message=f"The broker accepted the login of {account}; it asks one more thing.",
            next_path=challenge_path(account, next_id),
        )
    walking = False
    for walk in console.walks.in_progress_at(account):
        walk.finish_current(True, "Logged in through the broker's page.")
        walking = True
    return _page(
        request, account, ok=True, status=200, message=f"{account} is logged in.", walking=walking
    )
