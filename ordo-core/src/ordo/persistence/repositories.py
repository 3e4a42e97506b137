"""Every repository in one import: ``from ordo.persistence.repositories import ...``.

Each repository wraps one ``AsyncSession`` and each of its methods is one committed unit
of work, so what a method wrote is durable (and visible to other processes) on return.
Writes are issued before reads inside each method: on SQLite a transaction that has already
read cannot wait for the write lock. So call them on a session with no transaction of the
caller's own still open (``async with db.session() as s`` per unit of work is the pattern).
"""

from ordo.persistence.audit import AuditPage, AuditRepository
from ordo.persistence.idempotency import ClaimResult, ClaimStatus, IdempotencyRepository
from ordo.persistence.ledger import LedgerRepository
from ordo.persistence.sessions import CredentialRepository, KillSwitchRepository, SessionRepository

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
