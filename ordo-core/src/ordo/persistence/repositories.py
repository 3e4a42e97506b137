"""Every repository in one import: ``from ordo.persistence.repositories import ...``.

Each repository wraps one ``AsyncSession`` and each of its methods is one committed unit
of work, so what a method wrote is durable (and visible to other processes) on return.
They hold what is off the order path (broker sessions, credentials, audit queries); the
order path's statements are ``persistence.statements``.
"""

from ordo.persistence.audit import AuditPage, AuditRepository
from ordo.persistence.sessions import CredentialRepository, SessionRepository

__all__ = ["AuditPage", "AuditRepository", "CredentialRepository", "SessionRepository"]
