"""Ordo's one error taxonomy: every error the API, the orchestrator, the safety layer or an
adapter raises is an ``OrdoError``, and its class says what everybody needs to know.

``code``
    The machine-readable ``error_code`` of the envelope.
``http_status``
    The HTTP status the API answers with.
``retryable``
    The request provably did not take effect and may be sent again (by the retry policy
    within the deadline, or by the client later).
``counts_against_breaker``
    The broker (not the request) misbehaved; the account's circuit breaker counts it.
``effect``
    ``none``: proven not to have reached or changed the broker. ``unknown``: it may have.
    Anything that fails before a broker call (validation, checks, the kill switch, a bug
    in Ordo's own code) has effect ``none``: its leg is final, never "unknown".

Fan-out collation, ``/status``, the breaker and the retry policy read these attributes;
nothing compares error-code strings to decide behaviour.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class Effect(StrEnum):
    NONE = "none"
    """Proven not to have reached or changed the broker."""
    UNKNOWN = "unknown"
    """May have reached the broker and taken effect; reconciliation decides."""


class OrdoError(Exception):
    """Base of every error Ordo answers with."""

    code: str = "INTERNAL_ERROR"
    http_status: int = 500
    retryable: ClassVar[bool] = False
    counts_against_breaker: ClassVar[bool] = False
    effect: ClassVar[Effect] = Effect.NONE
    retry_after: float | None = None
    """Seconds after which a retry may succeed, when the error knows (``Retry-After``)."""

    def __init__(self, message: str = "", *, details: Any = None) -> None:
        self.message = message or type(self).__name__
        self.details = details
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def client_may_retry(self) -> bool:
        """The client may send the request again: now when ``retryable``, or after
        ``retry_after`` seconds when the error proves nothing reached the broker (an open
        circuit breaker)."""
        return self.retryable or (self.effect is Effect.NONE and self.retry_after is not None)

    @property
    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(1, round(self.retry_after)))}


class RequestError(OrdoError):
    """A refusal of the request itself, before any broker call (auth, validation, unknown
    account, idempotency conflicts). Each instance names its code and status."""

    code = "BAD_REQUEST"
    http_status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 400,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.code = code
        self.http_status = http_status
        self._headers = dict(headers or {})

    @property
    def headers(self) -> dict[str, str]:
        return self._headers


class InternalError(OrdoError):
    """A bug in Ordo's own code before any broker call: nothing reached the broker, so the
    leg is final; the client may retry once the cause is fixed."""

    code = "INTERNAL_ERROR"
    http_status = 500


class InterruptedCall(OrdoError):
    """A bug in Ordo's own code (or an adapter breaking its contract) once a broker call
    was under way: the order may have reached the broker, so the leg stays unknown until it
    is reconciled by its tag."""

    code = "INTERNAL_ERROR"
    http_status = 500
    effect = Effect.UNKNOWN


class CheckRejected(OrdoError):
    """A pre-trade check refused the leg; ``code`` is the check's own (e.g.
    ``INSUFFICIENT_FUNDS``, ``LOT_SIZE``). Never reaches the broker."""

    code = "ORDER_REJECTED"
    http_status = 422

    def __init__(self, code: str, message: str, *, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.code = code


class KillSwitchActive(OrdoError):
    """An order was refused because the kill switch is on: a global refusal before any
    broker call, so circuit breakers and retries ignore it. HTTP 423 Locked: the request is
    valid and authorised, but the operator has locked order entry."""

    code = "KILL_SWITCH_ACTIVE"
    http_status = 423

    def __init__(self, state: Any, action: str) -> None:
        self.state = state
        self.action = action
        changed_at = getattr(state, "changed_at", None)
        reason = getattr(state, "reason", None)
        since = f" since {changed_at.isoformat()}" if changed_at else ""
        why = f": {reason}" if reason else ""
        super().__init__(f"the kill switch is on{since}{why}; {action} orders are refused")


# -- broker errors: the only exceptions an adapter may raise -------------------------------
class BrokerError(OrdoError):
    """Base of every broker failure; ``broker_code`` is the broker's own code, if any."""

    code = "BROKER_ERROR"
    http_status = 502

    def __init__(self, message: str = "", *, broker_code: str | None = None) -> None:
        super().__init__(message)
        self.broker_code = broker_code


class SessionExpired(BrokerError):
    """The broker session is missing, expired or revoked: a new login is needed."""

    code = "SESSION_EXPIRED"
    http_status = 401


class AuthFailed(BrokerError):
    """Credentials, API key or static IP refused. Not retried."""

    code = "AUTH_FAILED"
    http_status = 401


class InvalidRequest(BrokerError):
    code = "INVALID_REQUEST"
    http_status = 422


class UnsupportedOperation(InvalidRequest):
    """The adapter does not declare the capability the request needs."""

    code = "CAPABILITY_NOT_SUPPORTED"


class InstrumentNotFound(InvalidRequest):
    code = "INSTRUMENT_NOT_FOUND"


class OrderNotFound(InvalidRequest):
    code = "ORDER_NOT_FOUND"
    http_status = 404


class InsufficientFunds(BrokerError):
    code = "INSUFFICIENT_FUNDS"
    http_status = 422


class OrderRejected(BrokerError):
    code = "ORDER_REJECTED"
    http_status = 422


class IpNotWhitelisted(BrokerError):
    """The order would leave (or left) from an IP the broker does not have on file for the
    account (the 2026 static-IP rule). Retrying from the same address cannot help, and the
    broker itself is fine, so the breaker ignores it. ``account`` and ``observed_ip`` say
    which account and which address (``None`` when not known)."""

    code = "IP_NOT_WHITELISTED"
    http_status = 403

    def __init__(
        self,
        message: str = "",
        *,
        account: str | None = None,
        observed_ip: str | None = None,
        broker_code: str | None = None,
    ) -> None:
        super().__init__(message, broker_code=broker_code)
        self.account = account
        self.observed_ip = observed_ip
        self.details = {"account": account, "observed_ip": observed_ip}


class RateLimited(BrokerError):
    """Slow down (the broker's 429, or the account's own limiter). Retryable after
    ``retry_after`` seconds."""

    code = "RATE_LIMITED"
    http_status = 429
    retryable = True
    retry_after: float

    def __init__(
        self, message: str = "", *, retry_after: float = 1.0, broker_code: str | None = None
    ) -> None:
        super().__init__(message, broker_code=broker_code)
        self.retry_after = max(0.0, retry_after)


class BrokerUnavailable(BrokerError):
    """The broker could not be reached or refused before acting. The request did not take
    effect, so it is safe to retry."""

    code = "BROKER_UNAVAILABLE"
    http_status = 503
    retryable = True
    counts_against_breaker = True


class OutcomeUnknown(BrokerError):
    """The request may have taken effect (timeout after sending, a 5xx on a write).
    Never blindly retried: the core reconciles by tag first."""

    code = "OUTCOME_UNKNOWN"
    http_status = 504
    counts_against_breaker = True
    effect = Effect.UNKNOWN


class CircuitOpen(BrokerError):
    """The account's circuit breaker is open: the call was refused without reaching the
    broker. Not retried within the request (the breaker is there to fail fast), but the
    client may send it again once ``retry_after`` seconds have passed."""

    code = "BROKER_CIRCUIT_OPEN"
    http_status = 503
    retry_after: float

    def __init__(self, message: str = "", *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


BROKER_ERRORS: tuple[type[BrokerError], ...] = (
    SessionExpired,
    AuthFailed,
    InvalidRequest,
    UnsupportedOperation,
    InstrumentNotFound,
    OrderNotFound,
    InsufficientFunds,
    OrderRejected,
    IpNotWhitelisted,
    RateLimited,
    BrokerUnavailable,
    OutcomeUnknown,
)
"""The errors an adapter may raise (``CircuitOpen`` is the core's own)."""

TAXONOMY: tuple[type[OrdoError], ...] = (
    *BROKER_ERRORS,
    CircuitOpen,
    KillSwitchActive,
    CheckRejected,
    InternalError,
    InterruptedCall,
    RequestError,
)
"""Every class of the taxonomy, as ``docs/architecture.md`` tabulates it."""


def means_broker_down(exc: BaseException) -> bool:
    """Whether ``exc`` says the broker could not be reached or did not answer properly
    (``/status`` shows the account's connection down)."""
    return isinstance(exc, CircuitOpen) or (
        isinstance(exc, OrdoError) and exc.counts_against_breaker
    )
