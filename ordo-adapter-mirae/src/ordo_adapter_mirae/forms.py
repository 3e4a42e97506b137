"""Pure building of m.Stock Type A order form bodies (every value sent as a string)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordo.adapters.values import parse_int, parse_text, positive_decimal
from ordo.domain import OrderModification, OrderRequest, OrderType, Validity
from ordo.domain.orders import check_prices

from ordo_adapter_mirae.mapping import ORDER_TYPES
from ordo_adapter_mirae.values import Row, lower_keys


def _price_text(value: Decimal | None) -> str:
    return format(value, "f") if value is not None else "0"


def order_form(
    order: OrderRequest, *, tradingsymbol: str, broker_exchange: str, tag: str
) -> dict[str, str]:
    """The form body of ``POST /orders/{variety}``; every value is sent as a string."""
    return {
        "tradingsymbol": tradingsymbol,
        "exchange": broker_exchange,
        "transaction_type": order.side.value,
        "order_type": order.order_type.value,
        "quantity": str(order.quantity),
        "product": order.product.value,
        "validity": order.validity.value,
        "price": _price_text(order.price),
        "trigger_price": _price_text(order.trigger_price),
        "disclosed_quantity": str(order.disclosed_quantity),
        "tag": tag,
    }


PLACE_PRODUCTS = frozenset({"CNC", "MIS", "NRML", "MTF"})
"""The ``product`` values ``POST /orders/{variety}`` takes."""
_BOOK_TO_PLACE_PRODUCT = {"INTRADAY": "MIS", "DELIVERY": "CNC", "MARGIN": "NRML"}
"""The order book reports some products by other names (MIS as INTRADAY)."""


def place_product(reported: str) -> str | None:
    """The place-order ``product`` of an order-book ``product``; ``None`` when unknown."""
    value = reported.strip().upper()
    return value if value in PLACE_PRODUCTS else _BOOK_TO_PLACE_PRODUCT.get(value)


def modify_form(
    current: Row, changes: OrderModification, *, resend_instrument: bool = False
) -> dict[str, str]:
    """The form body of ``PUT /orders/regular/{id}``: the six fields the official SDK sends
    (``order_type``, ``quantity``, ``price``, ``validity``, ``trigger_price``,
    ``disclosed_quantity``).

    m.Stock treats a modify as a full replace, so unchanged fields are resent from the
    order's current order-book row. ``resend_instrument`` also sends the instrument, side and
    product the docs' table lists; the product is then mapped back into the place-order set
    and left out when it cannot be. Raises ``ValueError`` when the result is not a valid
    order (a LIMIT without a price).
    """
    r = lower_keys(current)
    order_type = changes.order_type or ORDER_TYPES.get(
        parse_text(r.get("order_type")).upper(), OrderType.LIMIT
    )
    price = (
        changes.price if "price" in changes.model_fields_set else positive_decimal(r.get("price"))
    )
    trigger = (
        changes.trigger_price
        if "trigger_price" in changes.model_fields_set
        else positive_decimal(r.get("trigger_price"))
    )
    if order_type in (OrderType.MARKET, OrderType.SL_M):
        price = None
    if order_type in (OrderType.MARKET, OrderType.LIMIT):
        trigger = None
    check_prices(order_type, price, trigger)
    validity = changes.validity or (
        Validity.IOC if parse_text(r.get("validity")).upper() == "IOC" else Validity.DAY
    )
    quantity = changes.quantity or parse_int(r.get("quantity"))
    form: dict[str, str] = {
        "order_type": order_type.value,
        "quantity": str(quantity),
        "price": _price_text(price),
        "validity": validity.value,
        "trigger_price": _price_text(trigger),
        "disclosed_quantity": str(parse_int(r.get("disclosed_quantity"))),
    }
    if resend_instrument:
        form["tradingsymbol"] = parse_text(r.get("tradingsymbol"))
        form["exchange"] = parse_text(r.get("exchange")).upper()
        form["transaction_type"] = parse_text(r.get("transaction_type")).upper()
        product = place_product(parse_text(r.get("product")))
        if product is not None:
            form["product"] = product
    return form


def margin_body(order: OrderRequest, *, tradingsymbol: str, broker_exchange: str) -> dict[str, Any]:
    """The JSON body of ``POST /margins/orders`` for one order (numbers as numbers)."""
    return {
        "exchange": broker_exchange,
        "tradingsymbol": tradingsymbol,
        "transaction_type": order.side.value,
        "variety": "amo" if order.amo else "regular",
        "product": order.product.value,
        "order_type": order.order_type.value,
        "quantity": order.quantity,
        "price": float(order.price or 0),
        "trigger_price": float(order.trigger_price or 0),
    }
