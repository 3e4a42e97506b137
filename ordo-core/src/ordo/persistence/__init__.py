"""Persistence: SQLModel tables and repositories over SQLite (default) or PostgreSQL."""

from ordo.domain.ledger import LegState
from ordo.persistence.db import Database
from ordo.persistence.repositories import (
    AuditPage,
    AuditRepository,
    ClaimResult,
    ClaimStatus,
    CredentialRepository,
    IdempotencyRepository,
    KillSwitchRepository,
    LedgerRepository,
    SessionRepository,
)
from ordo.persistence.tables import (
    AuditRecord,
    CredentialRecord,
    IdempotencyRecord,
    IdempotencyState,
    KillSwitchRecord,
    LedgerEntry,
    SessionRecord,
)
from ordo.persistence.types import UTCDateTime, utcnow

__all__ = [
    "AuditPage",
    "AuditRecord",
    "AuditRepository",
    "ClaimResult",
    "ClaimStatus",
    "CredentialRecord",
    "CredentialRepository",
    "Database",
    "IdempotencyRecord",
    "IdempotencyRepository",
    "IdempotencyState",
    "KillSwitchRecord",
    "KillSwitchRepository",
    "LedgerEntry",
    "LedgerRepository",
    "LegState",
    "SessionRecord",
    "SessionRepository",
    "UTCDateTime",
    "utcnow",
]
