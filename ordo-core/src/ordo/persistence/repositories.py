"""Every repository in one import: ``from ordo.persistence.repositories import ...``.

Each repository wraps one ``AsyncSession`` and each of its methods is one committed unit
of work, so what a method wrote is durable (and visible to other processes) on return.
"""

from ordo.persistence.audit import AuditPage, AuditRepository
from ordo.persistence.idempotency import ClaimResult, ClaimStatus, IdempotencyRepository
from ordo.persistence.ledger import LedgerRepository
from ordo.persistence.state import CredentialRepository, KillSwitchRepository, SessionRepository

__all__ = [
    "AuditPage",
    "AuditRepository",
    "ClaimResult",
    "ClaimStatus",
    "CredentialRepository",
    "IdempotencyRepository",
    "KillSwitchRepository",
    "LedgerRepository",
    "SessionRepository",
]
