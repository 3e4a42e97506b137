"""Pure mapping between {{ cookiecutter.broker_name }} JSON and Ordo's domain models. No I/O: unit-test these.

Replace the field names with your broker's. Every value that leaves this module is a
domain model, so no raw broker JSON ever reaches the core.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo import (
    Exchange,
    Funds,
    Holding,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Quote,
    Side,
)
from ordo.adapters.values import parse_decimal

STATUS: dict[str, OrderStatus] = {
    "OPEN": OrderStatus.OPEN,
    "FILLED": OrderStatus.FILLED,
    "CXL": OrderStatus.CANCELLED,
    "REJ": OrderStatus.REJECTED,
}
SIDE_OUT = {Side.BUY: "B", Side.SELL: "S"}
SIDE_IN = {v: k for k, v in SIDE_OUT.items()}
KIND_OUT = {OrderType.LIMIT: "LMT", OrderType.MARKET: "MKT"}
KIND_IN = {v: k for k, v in KIND_OUT.items()}


def instrument_from_broker(row: dict[str, Any]) -> Instrument:
    return Instrument(
        exchange=Exchange(row["exch"]),
        symbol=row["sym"],
        name=row.get("name", ""),
        lot_size=int(row.get("lot", 1)),
        tick_size=Decimal(str(row.get("tick", "0.05"))),
        tradable=bool(row.get("tradable", True)),
        broker_token=str(row["token"]),
    )


def funds_from_broker(data: dict[str, Any]) -> Funds:
    return Funds(
        available=Decimal(data["available_cash"]),
        used=Decimal(data["utilised"]),
        total=Decimal(data["net"]),
    )


def holding_from_broker(row: dict[str, Any]) -> Holding:
    return Holding(
        exchange=Exchange(row["exch"]),
        symbol=row["sym"],
        quantity=int(row["qty"]),
        average_price=Decimal(row["avg"]),
        last_price=parse_decimal(row.get("ltp")),
    )


def position_from_broker(row: dict[str, Any]) -> Position:
    bought, sold = int(row["buy_qty"]), int(row["sell_qty"])
    return Position(
        exchange=Exchange(row["exch"]),
        symbol=row["sym"],
        product=Product(row["product"]),
        quantity=bought - sold,
        average_price=Decimal(row["avg"]),
        last_price=parse_decimal(row.get("ltp")),
        buy_quantity=bought,
        sell_quantity=sold,
    )


def quote_from_broker(row: dict[str, Any], instrument: Instrument) -> Quote:
    return Quote(
        exchange=instrument.exchange,
        symbol=instrument.symbol,
        last_price=Decimal(row["ltp"]),
    )


def order_to_broker(order: OrderRequest, instrument: Instrument, tag: str) -> dict[str, Any]:
    """The body of ``POST /v1/orders``. Raises ``ValueError`` for an order type the toy
    broker lacks (the adapter turns it into ``UnsupportedOperation``)."""
    if order.order_type not in KIND_OUT:
        raise ValueError(f"{order.order_type.value} orders are not supported")
    return {
        "token": instrument.broker_token,
        "side": SIDE_OUT[order.side],
        "qty": order.quantity,
        "kind": KIND_OUT[order.order_type],
        "product": order.product.value,
        "price": str(order.price) if order.price is not None else None,
        "tag": tag,
    }


def order_from_broker(row: dict[str, Any]) -> Order:
    return Order(
        order_id=str(row["order_no"]),
        exchange=Exchange(row["exch"]),
        symbol=row["sym"],
        side=SIDE_IN[row["side"]],
        quantity=int(row["qty"]),
        filled_quantity=int(row.get("filled", 0)),
        order_type=KIND_IN[row["kind"]],
        product=Product(row["product"]),
        price=parse_decimal(row.get("price")),
        average_price=parse_decimal(row.get("avg")),
        status=STATUS[row["state"]],
        tag=row.get("tag") or None,
        placed_at=datetime.fromtimestamp(row["ts"], UTC) if row.get("ts") else None,
    )
