"""Funds, holdings, positions and the consolidated portfolio, across accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.services import Reads
from ordo.domain import Funds, Holding, Position

router = APIRouter(tags=["portfolio"])


@router.get(
    "/funds",
    operation_id="get_funds",
    summary="Available, used and total funds per account",
    response_model=envelope.FanoutEnvelope[Funds],
)
async def get_funds(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results = await reads.funds(accounts)
    return envelope.fanout(request_id, results)


@router.get(
    "/holdings",
    operation_id="get_holdings",
    summary="Delivery holdings per account",
    response_model=envelope.FanoutEnvelope[list[Holding]],
)
async def get_holdings(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results = await reads.holdings(accounts)
    return envelope.fanout(request_id, results)


@router.get(
    "/positions",
    operation_id="get_positions",
    summary="Open positions of the day per account",
    response_model=envelope.FanoutEnvelope[list[Position]],
)
async def get_positions(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results = await reads.positions(accounts)
    return envelope.fanout(request_id, results)


@router.get(
    "/portfolio",
    operation_id="get_portfolio",
    summary="Funds, holdings and positions consolidated across accounts, annotated per account",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def get_portfolio(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results, consolidated = await reads.portfolio(accounts)
    return envelope.fanout(request_id, results, data=consolidated)
