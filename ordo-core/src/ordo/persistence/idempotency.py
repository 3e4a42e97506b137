"""Idempotency keys: an atomic claim before any broker call, the stored response after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.persistence._sql import upsert_insert
from ordo.persistence.tables import IdempotencyRecord, IdempotencyState
from ordo.persistence.types import to_utc, utcnow


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
    record: IdempotencyRecord

    @property
    def status_code(self) -> int | None:
        """The stored HTTP status (``COMPLETED`` only)."""
        return self.record.status_code if self.status is ClaimStatus.COMPLETED else None

    @property
    def response_body(self) -> str | None:
        """The stored response as JSON text (``COMPLETED`` only)."""
        return self.record.response_body if self.status is ClaimStatus.COMPLETED else None

    def response(self) -> Any:
        """The stored response parsed (``COMPLETED`` only, else ``None``)."""
        body = self.response_body
        return None if body is None else json.loads(body)


def _body_text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8")
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), default=str)


class IdempotencyRepository:
    """Claims are made with ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(scope, key): the
    database decides the single winner, across tasks and across processes. Each method
    commits its own transaction, so a claim is durable the moment it returns."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        now = to_utc(now) if now is not None else utcnow()
        table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
        # Writes first, then the read: on SQLite a transaction that reads before it writes
        # cannot wait for the write lock, it fails with "database is locked".
        await self.session.exec(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.expires_at) <= now,
            )
        )
        insert = (
            upsert_insert(self.session, table)
            .values(
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                state=IdempotencyState.IN_FLIGHT.value,
                request_id=request_id,
                created_at=now,
                expires_at=now + ttl,
            )
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(table.c.id)
        )
        inserted = (await self.session.exec(insert)).scalar_one_or_none()
        record = (
            await self.session.exec(
                select(IdempotencyRecord).where(
                    col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
                )
            )
        ).one()
        await self.session.commit()
        if inserted is not None and record.id == inserted:
            return ClaimResult(ClaimStatus.CLAIMED, record)
        if record.fingerprint != fingerprint:
            return ClaimResult(ClaimStatus.MISMATCH, record)
        if record.state == IdempotencyState.COMPLETED:
            return ClaimResult(ClaimStatus.COMPLETED, record)
        return ClaimResult(ClaimStatus.IN_FLIGHT, record)

    async def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        """Store the final response of a claimed key; ``False`` when no claim exists."""
        result = await self.session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key)
            .values(
                state=IdempotencyState.COMPLETED,
                status_code=status_code,
                response_body=_body_text(body),
            )
        )
        await self.session.commit()
        return bool(result.rowcount)

    async def release(self, *, scope: str, key: str) -> bool:
        """Forget an in-flight claim whose request failed before any broker call, so the
        client may retry with the same key. A completed record is never released."""
        result = await self.session.exec(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.state) == IdempotencyState.IN_FLIGHT,
            )
        )
        await self.session.commit()
        return bool(result.rowcount)

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

    async def purge_expired(self, now: datetime | None = None) -> int:
        """Delete records whose retention has ended; returns how many."""
        cutoff = to_utc(now) if now is not None else utcnow()
        result = await self.session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= cutoff)
        )
        await self.session.commit()
        return int(result.rowcount)
