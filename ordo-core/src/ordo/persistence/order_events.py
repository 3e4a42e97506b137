"""The order event log and the webhook outbox as SQLAlchemy Core statements.

Off the order's hot path, so they exist once, as Core, and run through ``Database.run`` on
either backend (the statements layer's rule for such statements, see
``persistence.statements``). Appending an event, linking it to its ledger leg and queueing
its webhook deliveries is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, text, update

from ordo.domain.ledger import LegState
from ordo.events.model import (
    FINAL_STATUSES,
    EventStatus,
    LegOrderState,
    OrderEvent,
    OrderUpdate,
)
from ordo.persistence.tables import LedgerEntry, OrderEventRecord, WebhookDelivery
from ordo.persistence.types import utcnow

_EVENTS: Any = OrderEventRecord.__table__  # type: ignore[attr-defined]
_LEGS: Any = LedgerEntry.__table__  # type: ignore[attr-defined]
_OUTBOX: Any = WebhookDelivery.__table__  # type: ignore[attr-defined]
_FINAL = sorted(status.value for status in FINAL_STATUSES)
EVENT_APPEND_LOCK = 0x6F72646F_6576  # "ordo" "ev": the advisory lock key of event appends
"""On PostgreSQL every append holds this transaction-level advisory lock from before its
id is drawn until it commits, so ids commit in increasing order across replicas too: a
reader that resumes after id N can never miss a smaller id committed later. (SQLite has
one writer at a time already.)"""


@dataclass(frozen=True, slots=True)
class Appended:
    """An event just stored, and what its ledger leg looked like before it."""

    event: OrderEvent
    leg_state: LegState | None
    """The leg's state before the event (``None``: Ordo did not place this order)."""


def _event(row: Any) -> OrderEvent:
    values = dict(row._mapping)
    price = values.pop("average_price")
    return OrderEvent(
        **values,
        average_price=None if price is None else Decimal(price),
    )


def _leg_of(conn: Connection, update_: OrderUpdate) -> Any:
    by_order = (
        select(_LEGS.c.id, _LEGS.c.state, _LEGS.c.request_id, _LEGS.c.broker_order_id)
        .where(_LEGS.c.account == update_.account, _LEGS.c.broker_order_id == update_.order_id)
        .order_by(_LEGS.c.id.desc())
        .limit(1)
    )
    row = conn.execute(by_order).first()
    if row is None and update_.tag:
        by_tag = (
            select(_LEGS.c.id, _LEGS.c.state, _LEGS.c.request_id, _LEGS.c.broker_order_id)
            .where(_LEGS.c.account == update_.account, _LEGS.c.broker_tag == update_.tag)
            .order_by(_LEGS.c.id.desc())
            .limit(1)
        )
        row = conn.execute(by_tag).first()
    return row


def append_event_on(
    conn: Connection,
    update_: OrderUpdate,
    *,
    webhooks: Callable[[OrderEvent], Sequence[str]] = lambda _: (),
    received_at: datetime | None = None,
) -> Appended | None:
    """Store ``update_`` as a new event unless the same change is stored already
    (``None``). Links the event to its ledger leg (by order id, else by tag): the leg
    records the latest status, an ``unknown`` leg becomes ``acknowledged`` (the broker has
    the order), and a rejection of an acknowledged leg is marked. Queues one outbox row per
    webhook name ``webhooks(event)`` returns."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_APPEND_LOCK})
    exists = conn.execute(
        select(_EVENTS.c.id).where(
            _EVENTS.c.account == update_.account,
            _EVENTS.c.order_id == update_.order_id,
            _EVENTS.c.status == update_.status.value,
            _EVENTS.c.filled_quantity == update_.filled_quantity,
        )
    ).first()
    if exists is not None:
        return None
    leg = _leg_of(conn, update_)
    leg_state = None if leg is None else LegState(leg.state)
    after_ack = update_.status is EventStatus.REJECTED and leg_state is LegState.ACKNOWLEDGED
    now = received_at or utcnow()
    values = {
        "account": update_.account,
        "broker": update_.broker,
        "order_id": update_.order_id,
        "status": update_.status.value,
        "filled_quantity": update_.filled_quantity,
        "average_price": None if update_.average_price is None else str(update_.average_price),
        "message": update_.message,
        "tag": update_.tag,
        "request_id": None if leg is None else leg.request_id,
        "ledger_entry_id": None if leg is None else leg.id,
        "broker_time": update_.broker_time,
        "received_at": now,
        "after_ack": after_ack,
    }
    event_id: int = conn.execute(insert(_EVENTS).returning(_EVENTS.c.id), values).scalar_one()
    event = _event_from_values(event_id, values)
    if leg is not None:
        changes: dict[str, Any] = {
            "order_status": update_.status.value,
            "last_event_id": event_id,
            "updated_at": now,
        }
        if after_ack:
            changes["rejected_after_ack"] = True
        if leg_state in (LegState.UNKNOWN, LegState.SENT):
            changes["state"] = LegState.ACKNOWLEDGED.value
            changes["broker_order_id"] = update_.order_id
        conn.execute(update(_LEGS).where(_LEGS.c.id == leg.id).values(**changes))
    for name in webhooks(event):
        conn.execute(
            insert(_OUTBOX),
            {"event_id": event_id, "webhook": name, "attempts": 0, "next_attempt_at": now},
        )
    return Appended(event, leg_state)


def _event_from_values(event_id: int, values: dict[str, Any]) -> OrderEvent:
    price = values["average_price"]
    return OrderEvent(
        id=event_id,
        **{k: v for k, v in values.items() if k != "average_price"},
        average_price=None if price is None else Decimal(price),
    )


def events_after_on(
    conn: Connection,
    after: int,
    *,
    accounts: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    limit: int = 500,
) -> list[OrderEvent]:
    """Events with an id above ``after``, oldest first, optionally of some accounts and
    statuses."""
    query = select(_EVENTS).where(_EVENTS.c.id > after)
    if accounts is not None:
        query = query.where(_EVENTS.c.account.in_(list(accounts)))
    if statuses is not None:
        query = query.where(_EVENTS.c.status.in_(list(statuses)))
    return [_event(row) for row in conn.execute(query.order_by(_EVENTS.c.id).limit(limit))]


def events_for_order_on(conn: Connection, account: str, order_id: str) -> list[OrderEvent]:
    """One order's events, oldest first."""
    query = (
        select(_EVENTS)
        .where(_EVENTS.c.account == account, _EVENTS.c.order_id == order_id)
        .order_by(_EVENTS.c.id)
    )
    return [_event(row) for row in conn.execute(query)]


def last_event_id_on(conn: Connection) -> int:
    """The newest event's id (0 with none)."""
    value = conn.execute(select(func.max(_EVENTS.c.id))).scalar()
    return int(value or 0)


@dataclass(frozen=True, slots=True)
class FollowedOrder:
    """An order Ordo placed whose fate is not final yet."""

    order_id: str | None
    tag: str | None
    leg_state: LegState


def _followed(account: str) -> Any:
    return and_(
        _LEGS.c.account == account,
        or_(
            and_(
                _LEGS.c.state == LegState.ACKNOWLEDGED.value,
                _LEGS.c.broker_order_id.is_not(None),
                or_(_LEGS.c.order_status.is_(None), _LEGS.c.order_status.not_in(_FINAL)),
            ),
            _LEGS.c.state == LegState.UNKNOWN.value,
        ),
    )


def any_followed_on(conn: Connection, account: str) -> bool:
    """Whether ``account`` has an order to follow (one row read, not the list)."""
    return conn.execute(select(_LEGS.c.id).where(_followed(account)).limit(1)).first() is not None


def followed_orders_on(conn: Connection, account: str) -> list[FollowedOrder]:
    """``account``'s legs whose order is not final: acknowledged without a final event, and
    legs whose outcome is unknown (found by tag)."""
    query = select(_LEGS.c.broker_order_id, _LEGS.c.broker_tag, _LEGS.c.state).where(
        _followed(account)
    )
    return [
        FollowedOrder(row.broker_order_id, row.broker_tag, LegState(row.state))
        for row in conn.execute(query.order_by(_LEGS.c.id))
    ]


def leg_order_states_on(conn: Connection, request_id: str) -> dict[int, LegOrderState]:
    """The latest order state of each leg of one API request, by leg id."""
    query = select(
        _LEGS.c.id, _LEGS.c.order_status, _LEGS.c.last_event_id, _LEGS.c.rejected_after_ack
    ).where(_LEGS.c.request_id == request_id)
    return {
        row.id: LegOrderState(
            row.id, row.order_status, row.last_event_id, bool(row.rejected_after_ack)
        )
        for row in conn.execute(query)
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One due webhook delivery with its event."""

    id: int
    webhook: str
    attempts: int
    event: OrderEvent


def due_deliveries_on(conn: Connection, now: datetime, limit: int = 100) -> list[Delivery]:
    """Undelivered outbox rows whose next attempt is due, oldest event first."""
    query = (
        select(_OUTBOX.c.id.label("delivery_id"), _OUTBOX.c.webhook, _OUTBOX.c.attempts, _EVENTS)
        .join(_EVENTS, _EVENTS.c.id == _OUTBOX.c.event_id)
        .where(_OUTBOX.c.delivered_at.is_(None), _OUTBOX.c.next_attempt_at <= now)
        .order_by(_OUTBOX.c.event_id, _OUTBOX.c.id)
        .limit(limit)
    )
    found = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        delivery_id = values.pop("delivery_id")
        webhook = values.pop("webhook")
        attempts = values.pop("attempts")
        price = values.pop("average_price")
        event = OrderEvent(**values, average_price=None if price is None else Decimal(price))
        found.append(Delivery(delivery_id, webhook, attempts, event))
    return found


def mark_delivered_on(conn: Connection, delivery_id: int, at: datetime) -> None:
    conn.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == delivery_id)
        .values(delivered_at=at, attempts=_OUTBOX.c.attempts + 1, last_error=None)
    )


def mark_failed_on(
    conn: Connection, delivery_id: int, *, next_attempt_at: datetime, error: str
) -> None:
    conn.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == delivery_id)
        .values(attempts=_OUTBOX.c.attempts + 1, next_attempt_at=next_attempt_at, last_error=error)
    )


def undelivered_count_on(conn: Connection, *, webhook: str) -> int:
    query = select(func.count()).where(
        _OUTBOX.c.webhook == webhook, _OUTBOX.c.delivered_at.is_(None)
    )
    return int(conn.execute(query).scalar() or 0)
