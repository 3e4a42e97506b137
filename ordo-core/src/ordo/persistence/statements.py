"""The order path's statements: each defined once, as SQLAlchemy Core over the table
metadata, and run on either backend.

Every order runs the same handful of statements (the idempotency claim, a ledger leg added
and settled, the stored response, its audit events). They are built here once;
``OrderStatements`` runs them through an executor: ``CoreExecutor`` hands them to
SQLAlchemy (PostgreSQL, in-memory SQLite), ``SqliteExecutor`` (``persistence.sqlite_raw``)
runs the same statement objects compiled once for SQLite on a stdlib ``sqlite3``
connection (the fast single-writer path on a SQLite file). The logic around them (what a
claim returns, which columns a settlement sets) is written once too, in
``OrderStatements``. ``test_statements_parity`` runs one scenario on SQLite and PostgreSQL,
checks both ran the same statement objects, and compares the rows.

The statements off the hot path (ledger reads by request, order and state; the claims of
a dead instance; heartbeats) exist once, as Core, in ``persistence.ledger`` and
``persistence.idempotency``, run through ``Database.run`` on either backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Executable

from ordo.audit.events import AuditEvent
from ordo.domain.ledger import LedgerLeg, LegChanges, Settlement
from ordo.persistence.claims import ClaimResult, ClaimStatus, body_text
from ordo.persistence.tables import AuditRecord, IdempotencyRecord, IdempotencyState, LedgerEntry
from ordo.persistence.types import to_millis, to_utc, utcnow

_CLAIMS: Any = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_LEGS: Any = LedgerEntry.__table__  # type: ignore[attr-defined]
_AUDIT: Any = AuditRecord.__table__  # type: ignore[attr-defined]
_THIS_KEY = (_CLAIMS.c.scope == bindparam("b_scope"), _CLAIMS.c.key == bindparam("b_key"))

# Built once with bound parameters: building a statement per call costs more than running
# it. The ``ON CONFLICT`` insert is PostgreSQL's construct, which SQLite compiles the same.
DELETE_EXPIRED_CLAIM = delete(_CLAIMS).where(*_THIS_KEY, _CLAIMS.c.expires_at <= bindparam("b_now"))
INSERT_CLAIM = (
    postgresql.insert(_CLAIMS)
    .on_conflict_do_nothing(index_elements=["scope", "key"])
    .returning(_CLAIMS.c.id)
)
SELECT_CLAIM = select(_CLAIMS).where(*_THIS_KEY)
COMPLETE_CLAIM = update(_CLAIMS).where(*_THIS_KEY)
RELEASE_CLAIM = delete(_CLAIMS).where(*_THIS_KEY, _CLAIMS.c.state == IdempotencyState.IN_FLIGHT)
ADD_LEG = insert(_LEGS).returning(_LEGS.c.id)
SET_LEG = update(_LEGS).where(_LEGS.c.id == bindparam("b_id"))
LEGS_BY_TAGS = (
    select(_LEGS)
    .where(_LEGS.c.broker_tag.in_(bindparam("b_tags", expanding=True)))
    .order_by(_LEGS.c.id)
)
ADD_AUDIT = insert(_AUDIT)

ORDER_PATH: tuple[Executable, ...] = (
    DELETE_EXPIRED_CLAIM,
    INSERT_CLAIM,
    SELECT_CLAIM,
    COMPLETE_CLAIM,
    RELEASE_CLAIM,
    ADD_LEG,
    SET_LEG,
    LEGS_BY_TAGS,
    ADD_AUDIT,
)
"""Every statement of the order path."""
_SETTABLE = ("state", "broker_order_id", "response", "error_code", "message")


class Executor(Protocol):
    """Runs a Core statement with the given values in the caller's transaction."""

    def count(self, statement: Executable, values: Mapping[str, Any]) -> int:
        """Run a write; returns how many rows it changed."""
        ...

    def returned(self, statement: Executable, values: Mapping[str, Any]) -> Any:
        """Run a statement; returns the first column of its first row, or ``None``."""
        ...

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a query; returns its rows as column values."""
        ...

    def many(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a write once per row."""
        ...


class CoreExecutor:
    """``Executor`` through SQLAlchemy on ``conn`` (PostgreSQL, in-memory SQLite)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def count(self, statement: Executable, values: Mapping[str, Any]) -> int:
        return int(self.conn.execute(statement, dict(values)).rowcount)

    def returned(self, statement: Executable, values: Mapping[str, Any]) -> Any:
        return self.conn.execute(statement, dict(values)).scalar_one_or_none()

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        result = self.conn.execute(statement, dict(values))
        return [dict(row._mapping) for row in result]

    def many(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.conn.execute(statement, [dict(row) for row in rows])


class OrderStatements:
    """The statements of the order path, each within the caller's transaction
    (``Database.transact``), run by ``executor``."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

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
        """Claim ``(scope, key)`` for ``owner`` (the instance).

        ``INSERT ... ON CONFLICT DO NOTHING`` on UNIQUE(scope, key) lets the database decide
        the single winner; the existing row is read only when the insert lost.
        """
        now = to_utc(now) if now is not None else utcnow()
        where = {"b_scope": scope, "b_key": key}
        run = self.executor
        # Writes first, then the read: on SQLite a transaction that reads before it writes
        # cannot wait for the write lock, it fails with "database is locked".
        run.count(DELETE_EXPIRED_CLAIM, {**where, "b_now": now})
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
        inserted = run.returned(INSERT_CLAIM, values)
        if inserted is not None:
            return ClaimResult(ClaimStatus.CLAIMED, {"id": inserted, **values})
        [found] = run.rows(SELECT_CLAIM, where)
        if found["fingerprint"] != fingerprint:
            return ClaimResult(ClaimStatus.MISMATCH, found)
        if found["state"] == IdempotencyState.COMPLETED:
            return ClaimResult(ClaimStatus.COMPLETED, found)
        return ClaimResult(ClaimStatus.IN_FLIGHT, found)

    def find_claim(self, *, scope: str, key: str) -> dict[str, Any] | None:
        """The record of ``(scope, key)``'s columns, or ``None``."""
        found = self.executor.rows(SELECT_CLAIM, {"b_scope": scope, "b_key": key})
        return found[0] if found else None

    def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        """Store the final response of a claimed key; ``False`` when no claim exists."""
        values = {
            "b_scope": scope,
            "b_key": key,
            "state": IdempotencyState.COMPLETED,
            "status_code": status_code,
            "response_body": body_text(body),
        }
        return self.executor.count(COMPLETE_CLAIM, values) > 0

    def release(self, *, scope: str, key: str) -> bool:
        """Forget an in-flight claim; a completed record is never released."""
        return self.executor.count(RELEASE_CLAIM, {"b_scope": scope, "b_key": key}) > 0

    def add_leg(self, values: dict[str, Any]) -> int:
        """Insert a leg (``persistence.ledger.leg_values``); returns its id."""
        entry_id: int = self.executor.returned(ADD_LEG, values)
        return entry_id

    def set_leg(self, entry_id: int, changes: LegChanges) -> bool:
        """Apply ``changes`` to a leg; ``False`` when no leg has ``entry_id``."""
        given = (
            changes.state,
            changes.broker_order_id,
            changes.response,
            changes.error_code,
            changes.message,
        )
        values: dict[str, Any] = {
            name: value for name, value in zip(_SETTABLE, given, strict=True) if value is not None
        }
        values["updated_at"] = utcnow()
        values["b_id"] = entry_id
        return self.executor.count(SET_LEG, values) > 0

    def legs_by_tags(self, broker_tags: Iterable[str]) -> dict[str, list[LedgerLeg]]:
        """Every leg sent with any of ``broker_tags``, by tag (a tag with none maps to
        ``[]``), each list oldest first."""
        tags = list(broker_tags)
        found: dict[str, list[LedgerLeg]] = {tag: [] for tag in tags}
        if tags:
            for row in self.executor.rows(LEGS_BY_TAGS, {"b_tags": tags}):
                entry = LedgerLeg(**row)
                found[entry.broker_tag or ""].append(entry)
        return found

    def add_audit_events(self, events: Sequence[AuditEvent]) -> int:
        """Store audit events (timestamps truncated to milliseconds); returns how many."""
        rows = [
            {
                "timestamp": to_millis(event.timestamp),
                "request_id": event.request_id,
                "actor": event.actor,
                "account": event.account,
                "kind": event.kind,
                "payload": event.payload,
            }
            for event in events
        ]
        self.executor.many(ADD_AUDIT, rows)
        return len(rows)


class CoreStatements(OrderStatements):
    """``OrderStatements`` through SQLAlchemy on ``conn``."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(CoreExecutor(conn))


__all__ = [
    "ORDER_PATH",
    "CoreExecutor",
    "CoreStatements",
    "Executor",
    "LegChanges",
    "OrderStatements",
    "Settlement",
]
