"""Configured accounts and their session state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.services import Accounts, Sessions
from ordo.sessions.descriptions import describe_accounts

router = APIRouter(tags=["accounts"])


@router.get(
    "/accounts",
    operation_id="list_accounts",
    summary="Configured accounts: adapter, capabilities, session state and expiry",
    response_model=envelope.Envelope[list[dict[str, Any]]],
)
async def list_accounts(
    accounts: Accounts, sessions: Sessions, request_id: RequestId, _: Principal
) -> JSONResponse:
    return envelope.success(request_id, describe_accounts(accounts, sessions))


class LoginAnswer(BaseModel):
    """The user's answer to a challenge: an OTP, a PIN, a redirected URL or an auth code."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=4096, examples=["123456"])


LOGIN_RESPONSE = envelope.Envelope[dict[str, Any]]
AccountName = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$", examples=["paper"])]
ChallengeId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/accounts/{account}/login",
    operation_id="begin_login",
    summary="Start the broker login; returns a challenge to answer, or the active session",
    response_model=LOGIN_RESPONSE,
)
async def begin_login(
    accounts: Accounts,
    sessions: Sessions,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
) -> JSONResponse:
    target = accounts.get(account)
    return envelope.success(request_id, await sessions.begin(target))


@router.post(
    "/accounts/{account}/login/{challenge_id}",
    operation_id="answer_challenge",
    summary="Answer a login challenge; returns the next challenge or the active session",
    response_model=LOGIN_RESPONSE,
)
async def answer_challenge(
    accounts: Accounts,
    sessions: Sessions,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
    challenge_id: ChallengeId,
    body: LoginAnswer,
) -> JSONResponse:
    target = accounts.get(account)
    result = await sessions.answer(target, challenge_id, body.answer)
    return envelope.success(request_id, result)


@router.post(
    "/accounts/{account}/login/{challenge_id}/resend",
    operation_id="resend_challenge",
    summary="Ask the broker to send the OTP again",
    response_model=LOGIN_RESPONSE,
)
async def resend_challenge(
    accounts: Accounts,
    sessions: Sessions,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
    challenge_id: ChallengeId,
) -> JSONResponse:
    target = accounts.get(account)
    return envelope.success(request_id, await sessions.resend(target, challenge_id))


@router.delete(
    "/accounts/{account}/session",
    operation_id="logout",
    summary="Log out at the broker and forget the stored session",
    response_model=LOGIN_RESPONSE,
)
async def logout(
    accounts: Accounts,
    sessions: Sessions,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
) -> JSONResponse:
    target = accounts.get(account)
    return envelope.success(request_id, await sessions.logout(target))
