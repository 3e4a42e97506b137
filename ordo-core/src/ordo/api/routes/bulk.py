"""Orders in bulk per account: cancel every open order."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.routes.orders import IdempotencyKey
from ordo.api.services import Changes
from ordo.orchestrator.unit_of_work import Ticket

router = APIRouter(tags=["orders"])


@router.post(
    "/orders/cancel-all",
    operation_id="cancel_all_orders",
    summary="Cancel every open order of the selected accounts (allowed under the kill switch)",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def cancel_all_orders(
    changes: Changes,
    request_id: RequestId,
    principal: Principal,
    accounts: SelectedAccounts,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    body = {"accounts": [a.name for a in accounts]}
    ticket = Ticket(
        principal, idempotency_key, request_id, "POST", "/api/v1/orders/cancel-all", body
    )
    return envelope.reply(await changes.cancel_all(accounts, ticket))
