"""Orders: place across accounts, list, get, modify, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, RuntimeDep, SelectedAccounts
from ordo.api.idempotency import run_idempotent
from ordo.domain import Order, OrderModification, OrderRequest
from ordo.orchestrator.ledger import describe_leg
from ordo.persistence.statements import OrderStatements, Settlement
from ordo.persistence.tables import LedgerEntry
from ordo.safety.tags import order_tag

router = APIRouter(tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes the request safe to retry: same key and body return the first "
        "response, never a second order.",
        max_length=255,
    ),
]
AccountName = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$", examples=["paper"])]
OrderId = Annotated[str, Path(min_length=1, max_length=64)]


class OrderDetail(Order):
    """An order as the broker reports it, with Ordo's ledger entry when Ordo placed it."""

    ledger: dict[str, Any] | None = None


class PlaceOrderBody(OrderRequest):
    """An order and the accounts it goes to (one leg per account)."""

    accounts: list[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]] = Field(
        min_length=1, max_length=50, description="Target account names; one leg each."
    )

    def order(self) -> OrderRequest:
        """The order alone. Not validated again: this body is an ``OrderRequest`` subclass,
        so every field constraint and validator of ``OrderRequest`` has already passed."""
        fields = OrderRequest.model_fields
        return OrderRequest.model_construct(
            _fields_set=self.model_fields_set & fields.keys(),
            **{name: getattr(self, name) for name in fields},
        )


PLACE_EXAMPLE: dict[str, Any] = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "LIMIT",
    "product": "CNC",
    "price": "800.00",
}


@router.post(
    "/orders",
    operation_id="place_order",
    summary="Place one order on one or several accounts, concurrently",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
    status_code=200,
)
async def place_order(
    runtime: RuntimeDep,
    request_id: RequestId,
    principal: Principal,
    body: Annotated[PlaceOrderBody, Body(examples=[PLACE_EXAMPLE])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    accounts = runtime.accounts.select(body.accounts)
    key = idempotency_key or f"auto-{uuid.uuid4().hex}"
    tags = [order_tag(principal, key, account.name) for account in accounts]
    # Earlier legs of a client's key are read under its claim (no extra round trip); a
    # fresh automatic key has none.
    prior: dict[str, list[LedgerEntry]] = {} if idempotency_key else {t: [] for t in tags}

    # The legs' outcomes are written with the stored response, in one commit.
    settlements: list[Settlement] = []

    def read_prior(statements: OrderStatements) -> None:
        prior.update(statements.legs_by_tags(tags))

    def settle_legs(statements: OrderStatements) -> None:
        for settlement in settlements:
            settlement.apply(statements)

    async def handler() -> JSONResponse:
        results = await runtime.orders.place(
            accounts,
            body.order(),
            scope=principal,
            key=key,
            prior=prior,
            settlements=settlements,
        )
        return envelope.fanout(request_id, results)

    return await run_idempotent(
        runtime,
        scope=principal,
        key=idempotency_key,
        method="POST",
        path="/api/v1/orders",
        body=body.model_dump(mode="json"),
        request_id=request_id,
        handler=handler,
        with_claim=read_prior,
        finish=settle_legs,
    )


@router.get(
    "/orders",
    operation_id="list_orders",
    summary="Today's order book per account",
    response_model=envelope.FanoutEnvelope[list[Order]],
)
async def list_orders(
    runtime: RuntimeDep, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results = await runtime.reads.orders(accounts)
    return envelope.fanout(request_id, results)


@router.get(
    "/orders/{account}/{order_id}",
    operation_id="get_order",
    summary="One order as the broker reports it",
    response_model=envelope.Envelope[OrderDetail],
)
async def get_order(
    runtime: RuntimeDep,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
    order_id: OrderId,
) -> JSONResponse:
    target = runtime.accounts.get(account)
    order = await runtime.gateway.call(
        target, "get_order", lambda: target.adapter.get_order(order_id)
    )
    entry = await runtime.ledger.find_by_order(account, order_id)
    detail = {**order.model_dump(mode="json"), "ledger": describe_leg(entry) if entry else None}
    return envelope.success(request_id, detail)


@router.patch(
    "/orders/{account}/{order_id}",
    operation_id="modify_order",
    summary="Modify an open order",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def modify_order(
    runtime: RuntimeDep,
    request_id: RequestId,
    principal: Principal,
    account: AccountName,
    order_id: OrderId,
    changes: Annotated[OrderModification, Body(examples=[{"price": "801.50"}])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    target = runtime.accounts.get(account)

    async def handler() -> JSONResponse:
        result = await runtime.orders.modify(target, order_id, changes)
        return envelope.fanout(request_id, [result])

    return await run_idempotent(
        runtime,
        scope=principal,
        key=idempotency_key,
        method="PATCH",
        path=f"/api/v1/orders/{account}/{order_id}",
        body=changes.model_dump(mode="json", exclude_unset=True),
        request_id=request_id,
        handler=handler,
    )


@router.delete(
    "/orders/{account}/{order_id}",
    operation_id="cancel_order",
    summary="Cancel an open order",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def cancel_order(
    runtime: RuntimeDep,
    request_id: RequestId,
    principal: Principal,
    account: AccountName,
    order_id: OrderId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    target = runtime.accounts.get(account)

    async def handler() -> JSONResponse:
        result = await runtime.orders.cancel(target, order_id)
        return envelope.fanout(request_id, [result])

    return await run_idempotent(
        runtime,
        scope=principal,
        key=idempotency_key,
        method="DELETE",
        path=f"/api/v1/orders/{account}/{order_id}",
        body={},
        request_id=request_id,
        handler=handler,
    )
