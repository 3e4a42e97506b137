"""The order event: one normalised change of one order at one broker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ordo.domain import Order
from ordo.domain.enums import OrderStatus


class EventStatus(StrEnum):
    """An order's status as events report it (the broker's ``PENDING`` reads as ``OPEN``:
    both mean "acknowledged, working")."""

    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER_PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {EventStatus.FILLED, EventStatus.REJECTED, EventStatus.CANCELLED, EventStatus.EXPIRED}
)

_FROM_ORDER_STATUS = {
    OrderStatus.PENDING: EventStatus.OPEN,
    OrderStatus.OPEN: EventStatus.OPEN,
    OrderStatus.TRIGGER_PENDING: EventStatus.TRIGGER_PENDING,
    OrderStatus.PARTIALLY_FILLED: EventStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED: EventStatus.FILLED,
    OrderStatus.REJECTED: EventStatus.REJECTED,
    OrderStatus.CANCELLED: EventStatus.CANCELLED,
    OrderStatus.EXPIRED: EventStatus.EXPIRED,
}


class OrderUpdate(BaseModel):
    """A change of one order as a channel (push frame or order book poll) reports it,
    before it is stored. ``(account, order_id, status, filled_quantity)`` identifies it:
    the same update seen twice is one event."""

    model_config = ConfigDict(frozen=True)

    account: str
    broker: str
    order_id: str
    status: EventStatus
    filled_quantity: int = Field(default=0, ge=0)
    average_price: Decimal | None = None
    message: str = ""
    """The broker's words; the reject reason on ``REJECTED``."""
    tag: str | None = None
    broker_time: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.account, self.order_id, self.status.value, self.filled_quantity)


def event_status(status: OrderStatus, filled_quantity: int) -> EventStatus:
    """A broker-neutral order status as an event status (working with fills: partial)."""
    mapped = _FROM_ORDER_STATUS[status]
    if mapped is EventStatus.OPEN and filled_quantity > 0:
        return EventStatus.PARTIALLY_FILLED
    return mapped


def update_from_order(account: str, broker: str, order: Order) -> OrderUpdate:
    """The update an order book row stands for."""
    status = event_status(order.status, order.filled_quantity)
    return OrderUpdate(
        account=account,
        broker=broker,
        order_id=order.order_id,
        status=status,
        filled_quantity=order.filled_quantity,
        average_price=order.average_price,
        message=order.status_message,
        tag=order.tag,
        broker_time=order.updated_at or order.placed_at,
    )


class OrderEvent(BaseModel):
    """One stored order event. ``id`` grows with every event and is the SSE event id and
    the webhook dedupe key."""

    model_config = ConfigDict(frozen=True)

    id: int
    account: str
    broker: str
    order_id: str
    status: EventStatus
    filled_quantity: int
    average_price: Decimal | None = None
    message: str = ""
    tag: str | None = None
    request_id: str | None = None
    """The API request that placed the order, when Ordo placed it."""
    ledger_entry_id: int | None = None
    broker_time: datetime | None = None
    received_at: datetime
    after_ack: bool = False
    """A rejection of an order Ordo had already reported as acknowledged."""


@dataclass(frozen=True, slots=True)
class LegOrderState:
    """A ledger leg's latest order state from its events."""

    entry_id: int
    order_status: str | None
    last_event_id: int | None
    rejected_after_ack: bool

    @staticmethod
    def describe(state: LegOrderState | None) -> dict[str, Any]:
        """The fields ``GET /api/v1/requests/{id}`` adds to a leg (all empty with no
        event yet)."""
        if state is None:
            return {"order_status": None, "last_event_id": None, "rejected_after_ack": False}
        return {
            "order_status": state.order_status,
            "last_event_id": state.last_event_id,
            "rejected_after_ack": state.rejected_after_ack,
        }
