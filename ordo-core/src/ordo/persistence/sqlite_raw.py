"""The order path's statements as SQL text on a stdlib ``sqlite3`` connection.

SQLAlchemy spends more time per statement (parameter processing, result set set-up, the
type decorators) than SQLite spends running it; these few statements run on every order,
so here they are written out once and their values converted by hand, exactly as the
SQLAlchemy column types store them: datetimes as naive UTC text with microseconds
(``UTCDateTime`` on SQLite), JSON as ``json_dumps`` text (``NULL`` as JSON ``null``, like the
``JSON`` type), states as their values. The tests check that rows written either way read
back the same through either way.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ordo.audit.events import AuditEvent
from ordo.domain.ledger import LedgerLeg, LegChanges, LegState
from ordo.persistence.idempotency import ClaimResult, ClaimStatus, body_text
from ordo.persistence.tables import IdempotencyState
from ordo.persistence.types import json_dumps, to_millis, to_utc, utcnow

_IDEMPOTENCY_COLUMNS = (
    "id",
    "scope",
    "key",
    "fingerprint",
    "state",
    "status_code",
    "response_body",
    "request_id",
    "created_at",
    "expires_at",
    "owner",
)
_LEDGER_COLUMNS = (
    "id",
    "request_id",
    "idempotency_scope",
    "idempotency_key",
    "leg",
    "account",
    "adapter",
    "broker_tag",
    "broker_order_id",
    "state",
    "request",
    "response",
    "error_code",
    "message",
    "created_at",
    "updated_at",
)
_JSON_NULL = "null"


_DELETE_EXPIRED = (
    'DELETE FROM idempotency_records WHERE scope = ? AND "key" = ? AND expires_at <= ?'
)
_CLAIM = (
    'INSERT INTO idempotency_records (scope, "key", fingerprint, state, request_id, '
    "created_at, expires_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    'ON CONFLICT (scope, "key") DO NOTHING RETURNING id'
)
_SELECT_CLAIM = (
    'SELECT id, scope, "key", fingerprint, state, status_code, response_body, request_id, '
    'created_at, expires_at, owner FROM idempotency_records WHERE scope = ? AND "key" = ?'
)
_COMPLETE = (
    "UPDATE idempotency_records SET state = ?, status_code = ?, response_body = ? "
    'WHERE scope = ? AND "key" = ?'
)
_RELEASE = 'DELETE FROM idempotency_records WHERE scope = ? AND "key" = ? AND state = ?'
_INSERTED_LEG_COLUMNS = _LEDGER_COLUMNS[1:]
_ADD_LEG = (
    "INSERT INTO ledger_entries (request_id, idempotency_scope, idempotency_key, leg, account, "
    "adapter, broker_tag, broker_order_id, state, request, response, error_code, message, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_LEGS = (
    "SELECT id, request_id, idempotency_scope, idempotency_key, leg, account, adapter, "
    "broker_tag, broker_order_id, state, request, response, error_code, message, created_at, "
    "updated_at FROM ledger_entries WHERE broker_tag IN ({marks}) ORDER BY id"
)
_ADD_AUDIT = (
    "INSERT INTO audit_events (timestamp, request_id, actor, account, kind, payload) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_SETTABLE = ("state", "broker_order_id", "response", "error_code", "message")


def sqlite_time(value: datetime) -> str:
    """``value`` as ``UTCDateTime`` stores it on SQLite: naive UTC, always with microseconds."""
    return to_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def parse_sqlite_time(value: str | None) -> datetime | None:
    """A stored datetime back as timezone-aware UTC."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json_text(value: Any) -> str:
    return _JSON_NULL if value is None else json_dumps(value)


def _json_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@functools.cache
def _set_leg_sql(columns: tuple[str, ...]) -> str:
    # Only ever names from ``_SETTABLE``: no value reaches the SQL text.
    assignments = ", ".join(f"{name} = ?" for name in (*columns, "updated_at"))
    return f"UPDATE ledger_entries SET {assignments} WHERE id = ?"  # noqa: S608


@functools.cache
def _legs_by_tags_sql(count: int) -> str:
    return _SELECT_LEGS.format(marks=", ".join("?" for _ in range(count)))


def _claim_values(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(_IDEMPOTENCY_COLUMNS, row, strict=True))
    values["state"] = IdempotencyState(values["state"])
    values["created_at"] = parse_sqlite_time(values["created_at"])
    values["expires_at"] = parse_sqlite_time(values["expires_at"])
    return values


def _ledger_entry(row: tuple[Any, ...]) -> LedgerLeg:
    values = dict(zip(_LEDGER_COLUMNS, row, strict=True))
    values["state"] = LegState(values["state"])
    values["request"] = _json_value(values["request"])
    values["response"] = _json_value(values["response"])
    values["created_at"] = parse_sqlite_time(values["created_at"])
    values["updated_at"] = parse_sqlite_time(values["updated_at"])
    return LedgerLeg(**values)


class SqliteStatements:
    """``OrderStatements`` as SQL text on a ``sqlite3`` connection in a transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def claim(
        self,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        request_id: str,
        ttl: timedelta,
        now: datetime | None = None,
        owner: str | None = None,
    ) -> ClaimResult:
        now = to_utc(now) if now is not None else utcnow()
        expires = now + ttl
        execute = self.conn.execute
        # Writes before the read, as in ``claim_on``.
        execute(_DELETE_EXPIRED, (scope, key, sqlite_time(now)))
        state = IdempotencyState.IN_FLIGHT
        inserted = execute(
            _CLAIM,
            (
                scope,
                key,
                fingerprint,
                state.value,
                request_id,
                sqlite_time(now),
                sqlite_time(expires),
                owner,
            ),
        ).fetchone()
        if inserted is not None:
            values = {
                "id": inserted[0],
                "scope": scope,
                "key": key,
                "fingerprint": fingerprint,
                "state": state,
                "request_id": request_id,
                "created_at": now,
                "expires_at": expires,
                "owner": owner,
            }
            return ClaimResult(ClaimStatus.CLAIMED, values)
        found = _claim_values(execute(_SELECT_CLAIM, (scope, key)).fetchone())
        if found["fingerprint"] != fingerprint:
            return ClaimResult(ClaimStatus.MISMATCH, found)
        if found["state"] is IdempotencyState.COMPLETED:
            return ClaimResult(ClaimStatus.COMPLETED, found)
        return ClaimResult(ClaimStatus.IN_FLIGHT, found)

    def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        cursor = self.conn.execute(
            _COMPLETE,
            (IdempotencyState.COMPLETED.value, status_code, body_text(body), scope, key),
        )
        return cursor.rowcount > 0

    def release(self, *, scope: str, key: str) -> bool:
        cursor = self.conn.execute(_RELEASE, (scope, key, IdempotencyState.IN_FLIGHT.value))
        return cursor.rowcount > 0

    def add_leg(self, values: dict[str, Any]) -> int:
        row = dict(values)
        row["state"] = LegState(row["state"]).value
        row["request"] = _json_text(row["request"])
        row["response"] = _json_text(row["response"])
        row["created_at"] = sqlite_time(row["created_at"])
        row["updated_at"] = sqlite_time(row["updated_at"])
        cursor = self.conn.execute(_ADD_LEG, [row[name] for name in _INSERTED_LEG_COLUMNS])
        entry_id = cursor.lastrowid
        if entry_id is None:  # pragma: no cover - an INSERT always sets it
            raise RuntimeError("the ledger insert returned no row id")
        return entry_id

    def set_leg(self, entry_id: int, changes: LegChanges) -> bool:
        stored: tuple[Any, ...] = (
            None if changes.state is None else LegState(changes.state).value,
            changes.broker_order_id,
            None if changes.response is None else _json_text(changes.response),
            changes.error_code,
            changes.message,
        )
        columns = tuple(
            name for name, value in zip(_SETTABLE, stored, strict=True) if value is not None
        )
        params = [value for value in stored if value is not None]
        params.extend((sqlite_time(utcnow()), entry_id))
        cursor = self.conn.execute(_set_leg_sql(columns), params)
        return cursor.rowcount > 0

    def legs_by_tags(self, broker_tags: Iterable[str]) -> dict[str, list[LedgerLeg]]:
        tags = list(broker_tags)
        found: dict[str, list[LedgerLeg]] = {tag: [] for tag in tags}
        if tags:
            for row in self.conn.execute(_legs_by_tags_sql(len(tags)), tags):
                entry = _ledger_entry(row)
                found[entry.broker_tag or ""].append(entry)
        return found

    def add_audit_events(self, events: Sequence[AuditEvent]) -> int:
        rows = [
            (
                sqlite_time(to_millis(event.timestamp)),
                event.request_id,
                event.actor,
                event.account,
                event.kind,
                _json_text(event.payload),
            )
            for event in events
        ]
        if rows:
            self.conn.executemany(_ADD_AUDIT, rows)
        return len(rows)
