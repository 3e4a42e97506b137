"""Order requests, modifications and the broker's view of an order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from ordo.domain.enums import Exchange, OrderStatus, OrderType, Product, Side, Validity

Quantity = Annotated[int, Field(gt=0, le=10_000_000)]
PRICE_PATTERN = r"^(?=.*[1-9])[0-9]{1,10}(\.[0-9]{1,4})?$"
"""A positive decimal with at most 10 integer and 4 fractional digits, as text."""
Price = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=4),
    # The document states the same limits validation applies (a bare ``Decimal`` documents
    # any string), so clients and contract tests know "" or "1e400" is not a price.
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 9_999_999_999,
                    "multipleOf": 0.0001,
                },
                {"type": "string", "pattern": PRICE_PATTERN},
            ]
        },
        mode="validation",
    ),
]

MAX_PROTECTION_PCT = Decimal("20")
PROTECTION_PATTERN = r"^(20(\.0{1,2})?|(1[0-9]|[1-9])(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
"""A percentage in (0, 20] with at most two decimals, as text."""
ProtectionPct = Annotated[
    Decimal,
    Field(gt=0, le=MAX_PROTECTION_PCT, max_digits=4, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 20, "multipleOf": 0.01},
                {"type": "string", "pattern": PROTECTION_PATTERN},
            ],
            "description": "Market protection of a MARKET or SL-M order, in percent: (0, 20].",
        },
        mode="validation",
    ),
]
"""A market-protection percentage (``ordo.domain.protection``)."""


class OrderRequest(BaseModel):
    """One order leg as a client asks for it, broker-neutral."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exchange: Exchange
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    side: Side
    quantity: Quantity
    order_type: OrderType = OrderType.MARKET
    product: Product = Product.CNC
    validity: Validity = Validity.DAY
    price: Price | None = None
    trigger_price: Price | None = None
    disclosed_quantity: Annotated[int, Field(ge=0)] = 0
    amo: bool = False
    """After-market order: queued by the broker for the next session."""
    market_protection_pct: ProtectionPct | None = None
    """How far from the market a MARKET or SL-M order may trade (percent); ``None`` takes
    the configured default (``compliance.market_protection_pct``)."""

    @model_validator(mode="after")
    def _prices_match_type(self) -> Self:
        check_prices(self.order_type, self.price, self.trigger_price)
        return self


def check_prices(order_type: OrderType, price: Decimal | None, trigger: Decimal | None) -> None:
    """Raise ``ValueError`` when prices do not fit the order type."""
    if order_type in (OrderType.LIMIT, OrderType.SL) and price is None:
        raise ValueError(f"a {order_type.value} order needs a price")
    if order_type in (OrderType.SL, OrderType.SL_M) and trigger is None:
        raise ValueError(f"a {order_type.value} order needs a trigger_price")
    if order_type is OrderType.MARKET and price is not None:
        raise ValueError("a MARKET order takes no price")
    if order_type in (OrderType.MARKET, OrderType.LIMIT) and trigger is not None:
        raise ValueError(f"a {order_type.value} order takes no trigger_price")


class OrderModification(BaseModel):
    """Fields to change on an open order; unset fields keep their current value."""

    # The document says what the validator below enforces: at least one field.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"minProperties": 1})

    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None
    order_type: OrderType | None = None
    validity: Validity | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("a modification must change at least one field")
        return self


class OrderAck(BaseModel):
    """What a broker answers to place, modify or cancel."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    status: OrderStatus = OrderStatus.PENDING
    message: str = ""


class Order(BaseModel):
    """An order as it stands in the broker's order book."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    exchange: Exchange
    symbol: str
    side: Side
    quantity: int
    filled_quantity: int = 0
    order_type: OrderType
    product: Product
    validity: Validity = Validity.DAY
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    average_price: Decimal | None = None
    status: OrderStatus
    status_message: str = ""
    tag: str | None = None
    placed_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def pending_quantity(self) -> int:
        return 0 if self.status.is_terminal else self.quantity - self.filled_quantity


class OrderHistoryEntry(BaseModel):
    """One step of an order's life as its broker records it (placed, modified, triggered,
    partly filled, cancelled...), oldest first in a history. Ordo's own event log of the
    order is ``/orders/{account}/{order_id}/events``; this is the broker's trail."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    status: OrderStatus
    quantity: int
    filled_quantity: int = 0
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    average_price: Decimal | None = None
    message: str = ""
    """The broker's text for this step (an RMS or exchange rejection reason)."""
    at: datetime | None = None

    @classmethod
    def of(cls, order: Order) -> OrderHistoryEntry:
        """The step an order-book row describes (brokers report history as such rows)."""
        return cls(
            order_id=order.order_id,
            status=order.status,
            quantity=order.quantity,
            filled_quantity=order.filled_quantity,
            price=order.price,
            trigger_price=order.trigger_price,
            average_price=order.average_price,
            message=order.status_message,
            at=order.updated_at or order.placed_at,
        )


def order_history(rows: Iterable[Order]) -> list[OrderHistoryEntry]:
    """A broker's history rows of one order as steps, oldest first (rows without a time
    keep their place among those before them: the sort is stable)."""
    steps = [OrderHistoryEntry.of(row) for row in rows]
    if all(step.at is not None for step in steps):
        steps.sort(key=lambda step: step.at or _EPOCH)
    return steps


def history_from_fills(order: Order, fills: Sequence[Trade]) -> list[OrderHistoryEntry]:
    """An order's steps rebuilt from its current row and its fills, for a broker that keeps
    no status trail but lists one order's trades: as booked, one step per fill (quantity
    and average so far), and how it stands now when that is not the last fill's state."""
    booked = OrderStatus.REJECTED if order.status is OrderStatus.REJECTED else OrderStatus.OPEN
    base = OrderHistoryEntry.of(order)
    steps = [
        base.model_copy(
            update={
                "status": booked,
                "filled_quantity": 0,
                "average_price": None,
                "message": order.status_message if booked is OrderStatus.REJECTED else "",
                "at": order.placed_at,
            }
        )
    ]
    filled, value = 0, Decimal(0)
    for fill in sorted(fills, key=lambda f: f.traded_at or _EPOCH):
        filled += fill.quantity
        value += fill.price * fill.quantity
        status = OrderStatus.FILLED if filled >= order.quantity else OrderStatus.PARTIALLY_FILLED
        steps.append(
            base.model_copy(
                update={
                    "status": status,
                    "filled_quantity": filled,
                    "average_price": value / filled,
                    "message": "",
                    "at": fill.traded_at,
                }
            )
        )
    last = steps[-1]
    if (last.status, last.filled_quantity) != (base.status, base.filled_quantity):
        steps.append(base)
    return steps


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Trade(BaseModel):
    """One fill."""

    model_config = ConfigDict(frozen=True)

    trade_id: str
    order_id: str
    exchange: Exchange
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    product: Product
    traded_at: datetime | None = None
    tag: str | None = None
