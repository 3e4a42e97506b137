"""Audit events and the single ``emit()`` seam every call site uses.

Sinks (file, database, a chat alert) are ``audit_event`` hook implementations, so adding one
never touches a call site.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from ordo.audit.redaction import longest_first, redact_ordered
from ordo.audit.secret_values import encoded_forms, secret_values
from ordo.context import current_actor, current_algo, current_request_id

MIN_SECRET_LENGTH = 6
"""Shorter values would mask ordinary words; short secrets (a PIN) are masked by key name."""


def _now() -> datetime:
    return datetime.now(UTC)


class AuditEvent(BaseModel):
    """One audited fact. ``payload`` is redacted when the event is built."""

    kind: str
    """Dotted name: ``api.request``, ``broker.call``, ``order.outcome``, ``login.step``..."""
    timestamp: datetime = Field(default_factory=_now)
    request_id: str | None = None
    actor: str | None = None
    """The API token's name, never the token."""
    account: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class _HookCaller(Protocol):
    def audit_event(self, *, event: AuditEvent) -> Any: ...


class AuditEmitter:
    """Builds redacted events and hands them to every ``audit_event`` implementation."""

    def __init__(self, hook: _HookCaller, secrets: SecretRegistry | None = None) -> None:
        self._hook = hook
        self.secrets = secrets or SecretRegistry()

    def emit(
        self,
        kind: str,
        *,
        request_id: str | None = None,
        actor: str | None = None,
        account: str | None = None,
        **payload: Any,
    ) -> AuditEvent:
        algo = current_algo()
        if algo is not None and "algo" not in payload:
            # Every line of a request by a token with algo metadata says which algo.
            payload["algo"] = algo.payload()
        # Every field is built here with its declared type, so pydantic's validation would
        # only repeat what the signature says (and costs more than the rest of emit).
        event = AuditEvent.model_construct(
            kind=kind,
            timestamp=_now(),
            request_id=request_id or current_request_id(),
            actor=actor or current_actor(),
            account=account,
            payload=redact_ordered(payload, self.secrets.forms()),
        )
        self._hook.audit_event(event=event)
        return event


class SecretRegistry:
    """Secret values known at run time (tokens, passwords) so redaction can match by value
    as well as by key name.

    ``values()``/``ordered()`` are the secrets themselves; ``forms()`` adds the forms each
    takes on the wire (URL- and base64-encoded) and is what redaction matches against.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._ordered: tuple[str, ...] | None = None
        self._forms: tuple[str, ...] | None = None

    def add(self, *values: str | None) -> None:
        for value in values:
            # Very short values would redact ordinary words; they are caught by key name.
            if value and len(value) >= MIN_SECRET_LENGTH and value not in self._values:
                self._values.add(value)
                self._ordered = self._forms = None

    def add_from(self, model: Any) -> None:
        """Register every ``SecretStr`` of ``model`` (settings of Ordo or of an adapter)."""
        self.add(*secret_values(model))

    def discard(self, value: str) -> None:
        self._values.discard(value)
        self._ordered = self._forms = None

    def ordered(self) -> tuple[str, ...]:
        """The values longest first (kept until the set changes)."""
        ordered = self._ordered
        if ordered is None:
            ordered = self._ordered = longest_first(self._values)
        return ordered

    def forms(self) -> tuple[str, ...]:
        """Every value in every wire form, longest first, as redaction wants them (kept
        until the set changes: every audit event and log line needs them)."""
        forms = self._forms
        if forms is None:
            every = set().union(*(encoded_forms(v) for v in self._values))
            forms = self._forms = longest_first(every)
        return forms

    def values(self) -> frozenset[str]:
        return frozenset(self._values)
