"""SQLModel tables. Every datetime column is timezone-aware UTC (``UTCDateTime``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Field, SQLModel

from ordo.domain.ledger import LegState
from ordo.persistence.types import UTCDateTime, utcnow


def _state_type(enum: type[StrEnum]) -> sa.Enum:
    # VARCHAR + values, not a native PostgreSQL ENUM: adding a state later needs no
    # ALTER TYPE, and both backends store the same text.
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


class IdempotencyState(StrEnum):
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


class IdempotencyRecord(SQLModel, table=True):
    """One ``Idempotency-Key`` claim, scoped to the API token's name."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=128)
    state: IdempotencyState = Field(
        default=IdempotencyState.IN_FLIGHT, sa_type=_state_type(IdempotencyState)
    )
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_type=sa.Text)
    """The stored response, JSON text."""
    request_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    owner: str | None = Field(default=None, max_length=64, index=True)
    """The instance that holds an in-flight claim; its claims are freed when it restarts
    or its heartbeat stops (``InstanceHeartbeat``)."""


class InstanceHeartbeat(SQLModel, table=True):
    """When each running instance last said it was alive (replicas only): an in-flight
    claim whose owner has gone quiet belonged to a process that died."""

    __tablename__ = "instance_heartbeats"

    owner: str = Field(primary_key=True, max_length=64)
    beat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class LedgerEntry(SQLModel, table=True):
    """One order leg sent (or about to be sent) to one account."""

    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=64, index=True)
    idempotency_scope: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=255)
    leg: int = 0
    """Position of this leg within its request."""
    account: str = Field(max_length=64)
    adapter: str = Field(max_length=64)
    broker_tag: str | None = Field(default=None, max_length=64, index=True)
    broker_order_id: str | None = Field(default=None, max_length=128, index=True)
    state: LegState = Field(default=LegState.PENDING, sa_type=_state_type(LegState), index=True)
    request: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    response: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error_code: str | None = Field(default=None, max_length=64)
    message: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    order_status: str | None = Field(default=None, max_length=24)
    """The order's latest status from its order events (``ordo.events``)."""
    last_event_id: int | None = None
    """The latest order event of this leg's order."""
    rejected_after_ack: bool | None = None
    """Set when the broker rejected the order after acknowledging it."""
    algo_name: str | None = Field(default=None, max_length=64)
    """The algo metadata of the API token that placed the leg (``ordo.domain.algo``)."""
    algo_id: str | None = Field(default=None, max_length=64)


KILL_SWITCH_ROW = 1


class KillSwitchRecord(SQLModel, table=True):
    """The kill switch: a single row (id 1)."""

    __tablename__ = "kill_switch"

    id: int = Field(default=KILL_SWITCH_ROW, primary_key=True)
    active: bool = False
    reason: str | None = Field(default=None, sa_type=sa.Text)
    actor: str | None = Field(default=None, max_length=64)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionRecord(SQLModel, table=True):
    """A broker session per account; the session itself is Fernet-encrypted."""

    __tablename__ = "broker_sessions"

    account: str = Field(primary_key=True, max_length=64)
    adapter: str = Field(max_length=64)
    state: str = Field(max_length=32)
    encrypted_session: str | None = Field(default=None, sa_type=sa.Text, repr=False)
    logged_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CredentialRecord(SQLModel, table=True):
    """A broker credential (password, PIN, API secret) for an account, Fernet-encrypted."""

    __tablename__ = "credentials"
    __table_args__ = (sa.UniqueConstraint("account", "name", name="uq_credentials_account_name"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64)
    name: str = Field(max_length=64)
    encrypted_value: str = Field(sa_type=sa.Text, repr=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditRecord(SQLModel, table=True):
    """One audit event, for queries (the JSON-lines file is the primary record)."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    """Millisecond precision."""
    request_id: str | None = Field(default=None, max_length=64, index=True)
    actor: str | None = Field(default=None, max_length=64)
    account: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class OrderEventRecord(SQLModel, table=True):
    """One order event (``ordo.events``); the id orders events for SSE resume and webhook
    dedupe. The unique key makes the same broker update, seen twice, one row."""

    __tablename__ = "order_events"
    __table_args__ = (
        sa.UniqueConstraint(
            "account", "order_id", "status", "filled_quantity", name="uq_order_events_change"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64, index=True)
    broker: str = Field(max_length=64)
    order_id: str = Field(max_length=128)
    status: str = Field(max_length=24, index=True)
    filled_quantity: int = 0
    average_price: str | None = Field(default=None, max_length=32)
    """Decimal as text: both backends keep it exactly."""
    message: str | None = Field(default=None, sa_type=sa.Text)
    tag: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
    ledger_entry_id: int | None = Field(default=None, index=True)
    broker_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    after_ack: bool = False


class WebhookDelivery(SQLModel, table=True):
    """The persisted webhook outbox: one row per (event, webhook), written in the event's
    own transaction, so a restart between an event and its delivery still delivers it."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "webhook", name="uq_webhook_outbox_event_hook"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(index=True)
    webhook: str = Field(max_length=64)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class WebhookStateRecord(SQLModel, table=True):
    """A webhook's failure streak and pause, so a restart keeps a failing URL paused
    (probed once per pause) instead of hammering it again from the first attempt."""

    __tablename__ = "webhook_state"

    name: str = Field(primary_key=True, max_length=64)
    consecutive_failures: int = 0
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Wall-clock end of the pause (``None``: not paused)."""
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
