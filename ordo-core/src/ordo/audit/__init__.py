"""Audit events, redaction and sinks."""

from ordo.audit.events import AuditEmitter, AuditEvent, SecretRegistry
from ordo.audit.redaction import REDACTED, redact, redact_text

__all__ = ["REDACTED", "AuditEmitter", "AuditEvent", "SecretRegistry", "redact", "redact_text"]
