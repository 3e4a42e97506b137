"""InvestRight's wire vocabulary for the fake: answers and error shapes, the words for
products, order types and statuses, number and date formats, and the refusals of requests
the matching engine turns down."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo.domain import OrderType, Product
from ordo.domain.matching import PRICED_TYPES, STOP_TYPES
from ordo_testing.matching import EngineError, OrderState, OrderTicket, RejectReason

Answer = tuple[int, Any]
PRODUCTS = {
    "DELIVERY": Product.CNC,
    "OVERNIGHT": Product.NRML,
    "INTRADAY": Product.MIS,
    "MTF": Product.CNC,
    "COLL-SELL": Product.CNC,
    "ENCASH": Product.CNC,
}
ORDER_TYPES = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "SL": OrderType.SL,
    "SL-M": OrderType.SL_M,
}
FULL_VALUE = {product: Decimal(1) for product in Product}
"""The fake's RMS blocks an order's full value, whatever the product."""
STATUS = {
    OrderState.OPEN: "Open",
    OrderState.TRIGGER_PENDING: "Trigger Pending",
    OrderState.FILLED: "Traded",
    OrderState.CANCELLED: "Cancelled",
    OrderState.REJECTED: "Rejected",
    OrderState.EXPIRED: "Expired",
}
MODIFY_FIELDS = (
    "quantity",
    "order_type",
    "validity",
    "disclosed_quantity",
    "product",
    "price",
    "trigger_price",
    "amo",
)
RIGHT_WORD = {"CE": "Call", "PE": "Put"}


def error(status: int, message: str, *, bare: bool = False) -> Answer:
    """The two error shapes seen in the wild: enveloped, or a bare ``{"error": ...}``."""
    return status, ({"error": message} if bare else {"status": "error", "message": message})


def success(data: Any) -> Answer:
    return 200, {"status": "success", "data": data}


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(-1)


def tick_of(row: dict[str, str]) -> Decimal:
    raw = row["tick_size"]
    value = money(raw)
    return value / 100 if "." not in raw else value


def listing_key(row: dict[str, str]) -> str:
    return f"{row['exchange']}:{row['exch_security_id']}"


def refusal(refused: EngineError, ticket: OrderTicket) -> Answer:
    """InvestRight's answer to a request the engine refuses."""
    if refused.reason is RejectReason.BAD_PRICE:
        if ticket.order_type in STOP_TYPES and not (ticket.trigger_price or 0) > 0:
            return error(422, "Trigger price is required for this order type")
        if ticket.order_type in PRICED_TYPES and not (ticket.price or 0) > 0:
            return error(422, "Price is required for this order type")
    messages = {
        RejectReason.BAD_QUANTITY: (400, "Invalid quantity"),
        RejectReason.LOT_SIZE: (422, "Quantity should be a multiple of the lot size"),
        RejectReason.TICK_SIZE: (422, "Price is not a multiple of tick size"),
    }
    status, message = messages.get(refused.reason, (422, refused.message))
    return error(status, message)


def book_date(iso: str) -> str:
    """``2030-01-31`` as the order book writes it: ``31 JAN 2030``."""
    return date.fromisoformat(iso).strftime("%d %b %Y").upper() if iso else ""


def camel_row(row: dict[str, Any]) -> dict[str, Any]:
    """The single-order trades endpoint answers in camelCase, except ``client_id``."""

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {k if k == "client_id" else camel(k): v for k, v in row.items()}
