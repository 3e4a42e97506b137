"""The order ledger's values: a leg's life (``LegState``), the leg as stored
(``LedgerLeg``) and the changes that settle it. No I/O: the statements layer
(``ordo.persistence.statements``) reads and writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict


class LegState(StrEnum):
    """Life of one order leg in the ledger."""

    PENDING = "pending"
    """Recorded, not yet sent."""
    SENT = "sent"
    """Handed to the adapter; no answer yet."""
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    FAILED = "failed"
    """Did not take effect (an error that proves the broker did not act)."""
    UNKNOWN = "unknown"
    """May have taken effect; reconciliation decides later."""


OPEN_STATES = (LegState.PENDING, LegState.SENT, LegState.UNKNOWN)
"""States whose outcome at the broker is not settled."""


class LedgerLeg(BaseModel):
    """One order leg as the ledger holds it (one row per attempt)."""

    model_config = ConfigDict(frozen=True)

    id: int
    request_id: str
    idempotency_scope: str | None
    idempotency_key: str | None
    leg: int
    account: str
    adapter: str
    broker_tag: str | None
    broker_order_id: str | None
    state: LegState
    request: dict[str, Any]
    response: dict[str, Any] | None
    error_code: str | None
    message: str | None
    created_at: datetime
    updated_at: datetime
    order_status: str | None = None
    """The order's latest status from its order events (``ordo.events``); the order
    path's own reads (``legs_by_tags``) do not need it and leave it ``None``."""
    last_event_id: int | None = None
    rejected_after_ack: bool | None = None
    algo_name: str | None = None
    """The algo metadata of the API token that placed the leg (``ordo.domain.algo``)."""
    algo_id: str | None = None

    def describe(self) -> dict[str, Any]:
        """The leg as the API shows it."""
        return {
            "account": self.account,
            "adapter": self.adapter,
            "leg": self.leg,
            "state": str(self.state),
            "broker_tag": self.broker_tag,
            "broker_order_id": self.broker_order_id,
            "request": self.request,
            "response": self.response,
            "error_code": self.error_code,
            "message": self.message,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "algo_name": self.algo_name,
            "algo_id": self.algo_id,
        }


@dataclass(frozen=True)
class LegChanges:
    """The fields of a leg to set; ``None`` leaves a field unchanged."""

    state: LegState | None = None
    broker_order_id: str | None = None
    response: dict[str, Any] | None = None
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Settlement:
    """A leg's outcome after the broker call, written in the transaction that stores the
    request's response (one commit for both)."""

    leg_id: int
    changes: LegChanges

    def apply(self, statements: SetsLegs) -> bool:
        """Write the outcome with ``statements`` (the caller's transaction)."""
        return statements.set_leg(self.leg_id, self.changes)


class SetsLegs(Protocol):
    def set_leg(self, entry_id: int, changes: LegChanges) -> bool: ...
