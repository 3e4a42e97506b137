"""Idempotency keys: an atomic claim before any broker call, the stored response after."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, delete, insert, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.persistence._sql import insert_ignoring_conflict
from ordo.persistence.tables import IdempotencyRecord, IdempotencyState, InstanceHeartbeat
from ordo.persistence.types import to_utc, utcnow

T = TypeVar("T")


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    """This caller owns the key: go ahead, then ``complete`` or ``release``."""
    IN_FLIGHT = "in_flight"
    """Another request with this key and body is running (answer 409, retry later)."""
    COMPLETED = "completed"
    """Already done: replay the stored response."""
    MISMATCH = "mismatch"
    """The key was used with a different body (answer 422)."""


@dataclass(frozen=True)
class ClaimResult:
    status: ClaimStatus
    values: dict[str, Any]
    """The record's columns (those of the new claim, or of the row found)."""

    @property
    def record(self) -> IdempotencyRecord:
        """The record as a model, built on demand (the order path never needs it)."""
        return IdempotencyRecord(**self.values)

    @property
    def status_code(self) -> int | None:
        """The stored HTTP status (``COMPLETED`` only)."""
        code = self.values.get("status_code")
        return code if self.status is ClaimStatus.COMPLETED else None

    @property
    def response_body(self) -> str | None:
        """The stored response as JSON text (``COMPLETED`` only)."""
        body = self.values.get("response_body")
        return body if self.status is ClaimStatus.COMPLETED else None

    def response(self) -> Any:
        """The stored response parsed (``COMPLETED`` only, else ``None``)."""
        body = self.response_body
        return None if body is None else json.loads(body)


def body_text(body: Any) -> str:
    """The stored form of a response body: JSON text."""
    if isinstance(body, bytes):
        return body.decode("utf-8")
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), default=str)


_TABLE: Any = IdempotencyRecord.__table__  # type: ignore[attr-defined]
# Statements are built once with bound parameters: building one per call costs more than
# the database work (the order path runs these on every request).
_THIS_KEY = (_TABLE.c.scope == bindparam("b_scope"), _TABLE.c.key == bindparam("b_key"))
_DELETE_EXPIRED = delete(_TABLE).where(*_THIS_KEY, _TABLE.c.expires_at <= bindparam("b_now"))
_SELECT = core_select(_TABLE).where(*_THIS_KEY)
_COMPLETE = update(_TABLE).where(*_THIS_KEY)
_RELEASE = delete(_TABLE).where(*_THIS_KEY, _TABLE.c.state == IdempotencyState.IN_FLIGHT)
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


def claim_on(
    conn: Connection,
    *,
    scope: str,
    key: str,
    fingerprint: str,
    request_id: str,
    ttl: timedelta,
    now: datetime | None = None,
    owner: str | None = None,
) -> ClaimResult:
    """Claim ``(scope, key)`` for ``owner`` (the instance) within the caller's transaction
    (see ``Database.run``).

    ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(scope, key) lets the database decide the
    single winner; the existing row is read only when the insert lost.
    """
    now = to_utc(now) if now is not None else utcnow()
    where = {"b_scope": scope, "b_key": key}
    # Writes first, then the read: on SQLite a transaction that reads before it writes
    # cannot wait for the write lock, it fails with "database is locked".
    conn.execute(_DELETE_EXPIRED, {**where, "b_now": now})
    values = {
        "scope": scope,
        "key": key,
        "fingerprint": fingerprint,
        "state": IdempotencyState.IN_FLIGHT,
        "request_id": request_id,
        "created_at": now,
        "expires_at": now + ttl,
        "owner": owner,
    }
    insert = insert_ignoring_conflict(conn.dialect.name, _TABLE, "scope", "key")
    inserted = conn.execute(insert, values).scalar_one_or_none()
    if inserted is not None:
        return ClaimResult(ClaimStatus.CLAIMED, {"id": inserted, **values})
    found = dict(conn.execute(_SELECT, where).one()._mapping)
    if found["fingerprint"] != fingerprint:
        return ClaimResult(ClaimStatus.MISMATCH, found)
    if found["state"] == IdempotencyState.COMPLETED:
        return ClaimResult(ClaimStatus.COMPLETED, found)
    return ClaimResult(ClaimStatus.IN_FLIGHT, found)


def complete_on(conn: Connection, *, scope: str, key: str, status_code: int, body: Any) -> bool:
    """Store the final response of a claimed key; ``False`` when no claim exists."""
    result = conn.execute(
        _COMPLETE,
        {
            "b_scope": scope,
            "b_key": key,
            "state": IdempotencyState.COMPLETED,
            "status_code": status_code,
            "response_body": body_text(body),
        },
    )
    return bool(result.rowcount)


def release_on(conn: Connection, *, scope: str, key: str) -> bool:
    """Forget an in-flight claim; a completed record is never released."""
    result = conn.execute(_RELEASE, {"b_scope": scope, "b_key": key})
    return bool(result.rowcount)


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


class IdempotencyRepository:
    """Claims are made with ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(scope, key): the
    database decides the single winner, across tasks and across processes. Each method
    commits its own transaction, so a claim is durable the moment it returns.

    The order path calls ``claim_on``/``complete_on``/``release_on`` through
    ``Database.run`` instead (one thread hop per unit of work on SQLite); these methods run
    the same functions on a session.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _run(self, work: Callable[[Connection], T]) -> T:
        result = await self.session.run_sync(lambda s: work(s.connection()))
        await self.session.commit()
        return result

    async def claim(
        self,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        request_id: str,
        ttl: timedelta,
        now: datetime | None = None,
    ) -> ClaimResult:
        """Claim ``(scope, key)`` for a request whose body hashes to ``fingerprint``."""
        return await self._run(
            lambda c: claim_on(
                c,
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                request_id=request_id,
                ttl=ttl,
                now=now,
            )
        )

    async def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        """Store the final response of a claimed key; ``False`` when no claim exists."""
        return await self._run(
            lambda c: complete_on(c, scope=scope, key=key, status_code=status_code, body=body)
        )

    async def release(self, *, scope: str, key: str) -> bool:
        """Forget an in-flight claim whose request failed before any broker call, so the
        client may retry with the same key. A completed record is never released."""
        return await self._run(lambda c: release_on(c, scope=scope, key=key))

    async def get(self, *, scope: str, key: str) -> IdempotencyRecord | None:
        record = (
            await self.session.exec(
                select(IdempotencyRecord).where(
                    col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
                )
            )
        ).one_or_none()
        await self.session.commit()
        return record

    async def release_abandoned(self, older_than: datetime) -> int:
        """Drop in-flight claims started before ``older_than``: their request died (a crash,
        a killed process) without completing or releasing, and would otherwise answer 409
        until the key expires. Only safe for claims older than any request can run; a retry
        then re-runs and reconciles each leg by its tag first."""
        return await self._run(lambda c: release_abandoned_on(c, older_than))

    async def purge_expired(self, now: datetime | None = None) -> int:
        """Delete records whose retention has ended; returns how many."""
        cutoff = to_utc(now) if now is not None else utcnow()
        result = await self.session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= cutoff)
        )
        await self.session.commit()
        return int(result.rowcount)
