"""The only exceptions an adapter may raise. The class decides what the core does next:
whether it retries, whether the order may have taken effect, whether the breaker counts it."""

from __future__ import annotations

from typing import ClassVar


class BrokerError(Exception):
    """Base of every broker failure.

    ``retryable``: the request provably did not take effect and may be sent again.
    ``counts_as_failure``: the broker (not the request) misbehaved; circuit breakers count it.
    """

    code: ClassVar[str] = "BROKER_ERROR"
    http_status: ClassVar[int] = 502
    retryable: ClassVar[bool] = False
    counts_as_failure: ClassVar[bool] = False

    def __init__(self, message: str = "", *, broker_code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        self.broker_code = broker_code

    def __str__(self) -> str:
        return self.message


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


class RateLimited(BrokerError):
    """The broker asked us to slow down. Retryable after ``retry_after`` seconds."""

    code = "RATE_LIMITED"
    http_status = 429
    retryable = True

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
    counts_as_failure = True


class OutcomeUnknown(BrokerError):
    """The request may have taken effect (timeout after sending, a 5xx on a write).
    Never blindly retried: the core reconciles by tag first."""

    code = "OUTCOME_UNKNOWN"
    http_status = 504
    counts_as_failure = True


ALL_ERRORS: tuple[type[BrokerError], ...] = (
    SessionExpired,
    AuthFailed,
    InvalidRequest,
    UnsupportedOperation,
    InstrumentNotFound,
    OrderNotFound,
    InsufficientFunds,
    OrderRejected,
    RateLimited,
    BrokerUnavailable,
    OutcomeUnknown,
)
