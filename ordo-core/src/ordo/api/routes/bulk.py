"""Orders in bulk per account: cancel every open order, exit every open position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.routes.orders import IdempotencyKey
from ordo.api.services import Changes, Exits
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.unit_of_work import Ticket

router = APIRouter(tags=["orders"])


def _bulk_ticket(
    principal: str, key: str | None, request_id: str, path: str, accounts: Sequence[Account]
) -> Ticket:
    """A bulk request's unit of work: its body, for the idempotency fingerprint, is the
    accounts it selected."""
    body = {"accounts": [a.name for a in accounts]}
    return Ticket(principal, key, request_id, "POST", path, body)


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
    ticket = _bulk_ticket(
        principal, idempotency_key, request_id, "/api/v1/orders/cancel-all", accounts
    )
    return envelope.reply(await changes.cancel_all(accounts, ticket))


@router.post(
    "/positions/exit-all",
    operation_id="exit_positions",
    summary="Exit every open position of the selected accounts (allowed under the kill switch)",
    description="Reads each account's net positions and sends one market order per open "
    "position, on the opposite side for its whole net quantity, through the order path "
    "(pre-trade checks, ledger, rate limits, circuit breaker, audit). An exit above its "
    "derivative's exchange freeze quantity goes as child orders of at most that quantity "
    "(its entry's `sliced` lists them). An exit that would "
    "not only reduce its position is refused. Each account's result lists every position's "
    "exit (partial success). Retrying with the same Idempotency-Key returns the first reply, "
    "or reconciles earlier exits by their tags: nothing is exited twice.",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def exit_positions(
    exits: Exits,
    request_id: RequestId,
    principal: Principal,
    accounts: SelectedAccounts,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    ticket = _bulk_ticket(
        principal, idempotency_key, request_id, "/api/v1/positions/exit-all", accounts
    )
    return envelope.reply(await exits.exit_all(accounts, ticket))
