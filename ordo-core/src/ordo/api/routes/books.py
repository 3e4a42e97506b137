"""The trade book and the user's profile at each broker, across accounts."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.services import Reads
from ordo.domain import Profile, Trade

router = APIRouter(tags=["portfolio"])


@router.get(
    "/trades",
    operation_id="list_trades",
    summary="Today's trade book (fills) per account",
    response_model=envelope.FanoutEnvelope[list[Trade]],
)
async def list_trades(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    return envelope.fanout(request_id, await reads.trades(accounts))


@router.get(
    "/profile",
    operation_id="get_profile",
    summary="The user's profile at each account's broker",
    response_model=envelope.FanoutEnvelope[Profile],
)
async def get_profile(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    return envelope.fanout(request_id, await reads.profiles(accounts))
