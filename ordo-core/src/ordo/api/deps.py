"""FastAPI dependencies: the request id, the caller and account selection."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from ordo.api.auth import Principal
from ordo.api.errors import request_id_of
from ordo.orchestrator.accounts import Account, parse_account_list
from ordo.runtime import OrdoRuntime


# ``async def`` although nothing awaits: FastAPI runs plain ``def`` dependencies in a worker
# thread, a round trip per dependency on every request.
async def get_request_id(request: Request) -> str:
    return request_id_of(request)


async def selected_accounts(
    request: Request,
    accounts: Annotated[
        str | None,
        Query(
            description="Comma-separated account names; all configured accounts when omitted.",
            examples=["paper", "fyers-main,mirae-desk"],
        ),
    ] = None,
) -> list[Account]:
    runtime: OrdoRuntime = request.app.state.ordo
    return runtime.accounts.select(parse_account_list(accounts))


RequestId = Annotated[str, Depends(get_request_id)]
SelectedAccounts = Annotated[list[Account], Depends(selected_accounts)]

__all__ = ["Principal", "RequestId", "SelectedAccounts"]
