"""The kill switch's row as statements (one row, id ``KILL_SWITCH_ROW``), each defined once
and run through ``Database.run`` on either backend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql

from ordo.persistence.tables import KILL_SWITCH_ROW, KillSwitchRecord
from ordo.persistence.types import utcnow

_TABLE: Any = KillSwitchRecord.__table__  # type: ignore[attr-defined]
_GET = select(_TABLE).where(_TABLE.c.id == KILL_SWITCH_ROW)
_SET_COLUMNS = ("active", "reason", "actor", "changed_at")
# PostgreSQL's ``ON CONFLICT`` insert, which SQLite compiles the same: one statement.
_INSERT = postgresql.insert(_TABLE)
_SET = _INSERT.on_conflict_do_update(
    index_elements=["id"], set_={name: _INSERT.excluded[name] for name in _SET_COLUMNS}
)


def kill_switch_on(conn: Connection) -> dict[str, Any] | None:
    """The stored switch (``active``, ``reason``, ``actor``, ``changed_at``); ``None`` when
    it was never changed."""
    row = conn.execute(_GET).first()
    return None if row is None else dict(row._mapping)


def set_kill_switch_on(
    conn: Connection, active: bool, reason: str | None, actor: str | None
) -> datetime:
    """Turn the switch on or off, recording why and who; returns when."""
    changed_at = utcnow()
    values = {"active": active, "reason": reason, "actor": actor, "changed_at": changed_at}
    conn.execute(_SET, {"id": KILL_SWITCH_ROW, **values})
    return changed_at
