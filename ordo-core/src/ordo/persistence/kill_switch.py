"""The kill switch's row as statements (one row, id ``KILL_SWITCH_ROW``), run through
``Database.run`` on either backend. ``KillSwitchRepository`` (persistence/sessions.py) is
the same row through a session, for callers that hold one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ordo.persistence._sql import upsert_insert
from ordo.persistence.tables import KILL_SWITCH_ROW, KillSwitchRecord
from ordo.persistence.types import utcnow

_TABLE: Any = KillSwitchRecord.__table__  # type: ignore[attr-defined]
_GET = select(_TABLE).where(_TABLE.c.id == KILL_SWITCH_ROW)


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
    statement = upsert_insert(conn, _TABLE).values(id=KILL_SWITCH_ROW, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
    return changed_at
