"""Each webhook's failure streak and pause as SQLAlchemy Core statements (``webhook_state``):
read once at start, written when a delivery fails or a failing webhook recovers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ordo.persistence.tables import WebhookStateRecord
from ordo.persistence.types import utcnow

_STATE: Any = WebhookStateRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class StoredWebhookState:
    name: str
    consecutive_failures: int
    paused_until: datetime | None
    last_error: str | None


def webhook_states_on(conn: Connection) -> dict[str, StoredWebhookState]:
    rows = conn.execute(
        select(
            _STATE.c.name,
            _STATE.c.consecutive_failures,
            _STATE.c.paused_until,
            _STATE.c.last_error,
        )
    )
    return {row.name: StoredWebhookState(*row) for row in rows}


def save_webhook_state_on(conn: Connection, state: StoredWebhookState) -> None:
    """Insert or replace the row of ``state.name`` (an update first: the row exists after
    a webhook's first failure)."""
    values = {
        "consecutive_failures": state.consecutive_failures,
        "paused_until": state.paused_until,
        "last_error": state.last_error,
        "updated_at": utcnow(),
    }
    changed = conn.execute(update(_STATE).where(_STATE.c.name == state.name).values(**values))
    if not changed.rowcount:
        # Two replicas inserting the same first row at once: one fails its transaction
        # (logged by the dispatcher's loop) and writes the row on its next failure.
        conn.execute(insert(_STATE).values(name=state.name, **values))
