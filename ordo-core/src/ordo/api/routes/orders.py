"""Orders: place across accounts, list, get, history, modify, cancel.

Each write is one call to the service that owns its unit of work (``PlacementService``,
``OrderChanges``); the route only turns HTTP into a ``Ticket`` and the reply back."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path
from fastapi.responses import JSONResponse, Response
from pydantic import Field, ValidationInfo, field_validator

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId, SelectedAccounts
from ordo.api.services import Changes, Lookup, Placement, Reads
from ordo.domain import Order, OrderHistoryEntry, OrderModification, OrderRequest
from ordo.domain.enums import DERIVATIVE_EXCHANGES
from ordo.orchestrator.unit_of_work import Ticket

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


SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9&_. -]{0,63}$")
"""A unified symbol once trimmed and upper-cased (``SBIN``, ``M&M``, ``BAJAJ-AUTO``,
``NIFTY 50``, ``NIFTY30JAN2521500CE``)."""

RAW_SYMBOL = r"^ *[A-Za-z0-9][A-Za-z0-9&_. -]*$"
"""What a client may send for a symbol: the unified form in either case, with spaces around
it. Checked on the raw value (ASCII only) before upper-casing, so no character outside the
documented set can turn into one inside it (``"ß".upper()`` is ``"SS"``)."""
_RAW_SYMBOL = re.compile(RAW_SYMBOL)


class PlaceOrderBody(OrderRequest):
    """An order and the accounts it goes to (one leg per account)."""

    accounts: list[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]] = Field(
        min_length=1, max_length=50, description="Target account names; one leg each."
    )
    symbol: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=RAW_SYMBOL,
            description="Unified symbol; trimmed and upper-cased (`sbin` is `SBIN`).",
            examples=["SBIN", "NIFTY30JAN2521500CE"],
        ),
    ]

    slice: bool = Field(
        default=False,
        description="Send a derivative order above the exchange's freeze quantity as child "
        "orders of at most that quantity (each with its own tag), instead of refusing it "
        "with FREEZE_QUANTITY_EXCEEDED. Derivatives (NFO, BFO, MCX, CDS) only.",
    )

    @field_validator("slice")
    @classmethod
    def _slice_needs_derivative(cls, value: bool, info: ValidationInfo) -> bool:
        exchange = info.data.get("exchange")
        if value and exchange is not None and exchange not in DERIVATIVE_EXCHANGES:
            raise ValueError(
                f"slice applies to derivatives (NFO, BFO, MCX, CDS) only, not to {exchange}: "
                "cash orders have no freeze quantity"
            )
        return value

    @field_validator("symbol", mode="before")
    @classmethod
    def _normalise_symbol(cls, value: Any) -> Any:
        """Symbols are matched upper-case: ``sbin`` is ``SBIN``; characters no symbol has
        are refused here, before anything is claimed or sent."""
        if not isinstance(value, str):
            return value
        symbol = value.strip(" ").upper()
        if len(value) > 64 or not _RAW_SYMBOL.match(value) or not SYMBOL.match(symbol):
            raise ValueError(
                f"{value!r} is not a symbol: use letters, digits and & _ . - or space, "
                "for example SBIN or NIFTY30JAN2521500CE"
            )
        return symbol

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
    description="Each account's `data` is the placed order (`sent` says what a MARKET or "
    "SL-M order was sent as), or, with `slice` above the exchange's freeze quantity, a "
    "`SlicedLeg` with every child order's result.",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
    status_code=200,
)
async def place_order(
    placement: Placement,
    request_id: RequestId,
    principal: Principal,
    body: Annotated[PlaceOrderBody, Body(examples=[PLACE_EXAMPLE])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    ticket = Ticket(
        principal,
        idempotency_key,
        request_id,
        "POST",
        "/api/v1/orders",
        body.model_dump(mode="json"),
    )
    return envelope.reply(
        await placement.place(body.accounts, body.order(), ticket, slice_above_freeze=body.slice)
    )


@router.get(
    "/orders",
    operation_id="list_orders",
    summary="Today's order book per account",
    response_model=envelope.FanoutEnvelope[list[Order]],
)
async def list_orders(
    reads: Reads, request_id: RequestId, accounts: SelectedAccounts, _: Principal
) -> JSONResponse:
    results = await reads.orders(accounts)
    return envelope.fanout(request_id, results)


@router.get(
    "/orders/{account}/{order_id}",
    operation_id="get_order",
    summary="One order as the broker reports it",
    response_model=envelope.Envelope[OrderDetail],
)
async def get_order(
    lookup: Lookup,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
    order_id: OrderId,
) -> JSONResponse:
    return envelope.success(request_id, await lookup.detail(account, order_id))


@router.get(
    "/orders/{account}/{order_id}/history",
    operation_id="get_order_history",
    summary="One order's history (status trail) as the broker reports it, oldest first",
    description="The broker's own record of the order's steps; Ordo's event log of it is "
    "`/orders/{account}/{order_id}/events`. 422 `CAPABILITY_NOT_SUPPORTED` when the "
    "account's broker reports no order history.",
    response_model=envelope.Envelope[list[OrderHistoryEntry]],
)
async def get_order_history(
    lookup: Lookup,
    request_id: RequestId,
    _: Principal,
    account: AccountName,
    order_id: OrderId,
) -> JSONResponse:
    return envelope.success(request_id, await lookup.history(account, order_id))


@router.patch(
    "/orders/{account}/{order_id}",
    operation_id="modify_order",
    summary="Modify an open order",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def modify_order(
    changes_service: Changes,
    request_id: RequestId,
    principal: Principal,
    account: AccountName,
    order_id: OrderId,
    changes: Annotated[OrderModification, Body(examples=[{"price": "801.50"}])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    path = f"/api/v1/orders/{account}/{order_id}"
    body = changes.model_dump(mode="json", exclude_unset=True)
    ticket = Ticket(principal, idempotency_key, request_id, "PATCH", path, body)
    return envelope.reply(await changes_service.modify(account, order_id, changes, ticket))


@router.delete(
    "/orders/{account}/{order_id}",
    operation_id="cancel_order",
    summary="Cancel an open order",
    response_model=envelope.FanoutEnvelope[dict[str, Any]],
)
async def cancel_order(
    changes_service: Changes,
    request_id: RequestId,
    principal: Principal,
    account: AccountName,
    order_id: OrderId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    path = f"/api/v1/orders/{account}/{order_id}"
    ticket = Ticket(principal, idempotency_key, request_id, "DELETE", path, {})
    return envelope.reply(await changes_service.cancel(account, order_id, ticket))
