"""Persistence: SQLModel tables, the order path's statements and the repositories off it,
over SQLite (default) or PostgreSQL."""

from ordo.domain.ledger import LegState
from ordo.persistence.claims import ClaimResult, ClaimStatus
from ordo.persistence.db import Database
from ordo.persistence.repositories import (
    AuditPage,
    AuditRepository,
    CredentialRepository,
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
    "IdempotencyState",
    "KillSwitchRecord",
    "LedgerEntry",
    "LegState",
    "SessionRecord",
    "SessionRepository",
    "UTCDateTime",
    "utcnow",
]
