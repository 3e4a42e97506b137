"""The order path's statements, behind one small interface with two implementations.

Every order runs the same handful of statements (the idempotency claim, a ledger leg added
and settled, the stored response, its audit events). ``OrderStatements`` names them;
``CoreStatements`` runs them as SQLAlchemy Core on any backend, and ``SqliteStatements``
(``persistence/sqlite_raw``) runs them as SQL text on a stdlib ``sqlite3`` connection, where
SQLAlchemy's per-statement work costs more than SQLite's. Both read and write the same rows,
so either may follow the other on one database (``test_statements_parity`` runs one
scenario on SQLite and PostgreSQL and compares the rows).

The statements off the hot path (ledger reads by request, order and state; the claims of
a dead instance; heartbeats) exist once, as Core, in ``persistence.ledger`` and
``persistence.idempotency``, run through ``Database.run`` on either backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection

from ordo.audit.events import AuditEvent
from ordo.domain.ledger import LedgerLeg, LegChanges, Settlement
from ordo.persistence.audit import add_events_on
from ordo.persistence.idempotency import ClaimResult, claim_on, complete_on, release_on
from ordo.persistence.ledger import add_leg_on, legs_by_tags_on, set_leg_on


class OrderStatements(Protocol):
    """The statements of the order path, each within the caller's transaction
    (``Database.transact``)."""

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
        """Claim ``(scope, key)`` for ``owner`` (see ``persistence.idempotency.claim_on``)."""
        ...

    def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        """Store the final response of a claimed key; ``False`` when no claim exists."""
        ...

    def release(self, *, scope: str, key: str) -> bool:
        """Forget an in-flight claim; a completed record is never released."""
        ...

    def add_leg(self, values: dict[str, Any]) -> int:
        """Insert a leg (``persistence.ledger.leg_values``); returns its id."""
        ...

    def set_leg(self, entry_id: int, changes: LegChanges) -> bool:
        """Apply ``changes`` to a leg; ``False`` when no leg has ``entry_id``."""
        ...

    def legs_by_tags(self, broker_tags: Iterable[str]) -> dict[str, list[LedgerLeg]]:
        """Every leg sent with any of ``broker_tags``, by tag, each list oldest first."""
        ...

    def add_audit_events(self, events: Sequence[AuditEvent]) -> int:
        """Store audit events (timestamps truncated to milliseconds); returns how many."""
        ...


class CoreStatements:
    """``OrderStatements`` as SQLAlchemy Core on ``conn`` (PostgreSQL, in-memory SQLite)."""

    def __init__(self, conn: Connection) -> None:
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
        return claim_on(
            self.conn,
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            request_id=request_id,
            ttl=ttl,
            now=now,
            owner=owner,
        )

    def complete(self, *, scope: str, key: str, status_code: int, body: Any) -> bool:
        return complete_on(self.conn, scope=scope, key=key, status_code=status_code, body=body)

    def release(self, *, scope: str, key: str) -> bool:
        return release_on(self.conn, scope=scope, key=key)

    def add_leg(self, values: dict[str, Any]) -> int:
        return add_leg_on(self.conn, values)

    def set_leg(self, entry_id: int, changes: LegChanges) -> bool:
        return set_leg_on(
            self.conn,
            entry_id,
            state=changes.state,
            broker_order_id=changes.broker_order_id,
            response=changes.response,
            error_code=changes.error_code,
            message=changes.message,
        )

    def legs_by_tags(self, broker_tags: Iterable[str]) -> dict[str, list[LedgerLeg]]:
        return legs_by_tags_on(self.conn, broker_tags)

    def add_audit_events(self, events: Sequence[AuditEvent]) -> int:
        return add_events_on(self.conn, events)


__all__ = ["CoreStatements", "LegChanges", "OrderStatements", "Settlement"]
