"""Idempotency records off the order path: claims of a dead instance, heartbeats and
retention. The claim itself, the stored response and the release are order-path statements
(``persistence.statements``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, update
from sqlalchemy import select as core_select

from ordo.persistence.claims import ClaimResult, ClaimStatus, body_text
from ordo.persistence.tables import IdempotencyRecord, IdempotencyState, InstanceHeartbeat
from ordo.persistence.types import to_utc

_TABLE: Any = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_IN_FLIGHT = _TABLE.c.state == IdempotencyState.IN_FLIGHT
_RELEASE_OWNED = delete(_TABLE).where(_IN_FLIGHT, _TABLE.c.owner == bindparam("b_owner"))
_BEATS: Any = InstanceHeartbeat.__table__  # type: ignore[attr-defined]
_ALIVE = core_select(_BEATS.c.owner).where(_BEATS.c.beat_at >= bindparam("b_cutoff"))
_RELEASE_ORPHANED = delete(_TABLE).where(
    _IN_FLIGHT,
    _TABLE.c.owner.is_not(None),
    _TABLE.c.owner.not_in(_ALIVE.scalar_subquery()),
    _TABLE.c.created_at < bindparam("b_cutoff"),
)
_RELEASE_ABANDONED = delete(_TABLE).where(_IN_FLIGHT, _TABLE.c.created_at < bindparam("b_cutoff"))
_PURGE = delete(_TABLE).where(_TABLE.c.expires_at <= bindparam("b_now"))
_FORGET_SILENT = delete(_BEATS).where(_BEATS.c.beat_at < bindparam("b_before"))


def release_owned_on(conn: Connection, owner: str) -> int:
    """Free every in-flight claim of ``owner``: run by an instance as it starts, when none
    of those claims can still be running (a single instance restarting after a crash)."""
    return int(conn.execute(_RELEASE_OWNED, {"b_owner": owner}).rowcount)


def heartbeat_on(conn: Connection, owner: str, now: datetime) -> None:
    """Record that ``owner`` is alive at ``now``."""
    values = {"owner": owner, "beat_at": to_utc(now)}
    updated = conn.execute(
        update(_BEATS).where(_BEATS.c.owner == owner).values(beat_at=values["beat_at"])
    )
    if not updated.rowcount:
        # Only this process writes its own row, so nothing can insert it in between.
        conn.execute(insert(_BEATS), values)


def purge_expired_on(conn: Connection, now: datetime) -> int:
    """Delete records whose retention has ended; returns how many."""
    return int(conn.execute(_PURGE, {"b_now": to_utc(now)}).rowcount)


def release_abandoned_on(conn: Connection, cutoff: datetime) -> int:
    """Free in-flight claims made before ``cutoff``, whoever owns them: only safe for a
    cutoff older than any request can run."""
    return int(conn.execute(_RELEASE_ABANDONED, {"b_cutoff": to_utc(cutoff)}).rowcount)


def release_orphaned_on(conn: Connection, cutoff: datetime) -> int:
    """Free in-flight claims older than ``cutoff`` whose owner has not beaten since: their
    process died (replicas). Claims without an owner are left to ``release_abandoned_on``."""
    result = conn.execute(_RELEASE_ORPHANED, {"b_cutoff": to_utc(cutoff)})
    conn.execute(_FORGET_SILENT, {"b_before": to_utc(cutoff) - timedelta(days=1)})
    return int(result.rowcount)


__all__ = [
    "ClaimResult",
    "ClaimStatus",
    "body_text",
    "heartbeat_on",
    "purge_expired_on",
    "release_abandoned_on",
    "release_orphaned_on",
    "release_owned_on",
]
