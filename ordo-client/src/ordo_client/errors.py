"""Typed exceptions. Every error the gateway reports carries its ``error_code``, ``message``,
``request_id`` (quote it when reporting a problem) and HTTP status.

None of them ever holds the API token or a login answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordo_client.results import AccountResult, FanoutResult


class OrdoError(Exception):
    """Base of every exception the client raises."""


class OrdoConfigError(OrdoError, ValueError):
    """The client is missing a setting (base URL, token) or got an unusable one."""


class OrdoConnectionError(OrdoError):
    """The gateway could not be reached, or the connection failed mid-request, and retries
    (if the call allowed them) were exhausted. For an order sent with an idempotency key,
    sending it again with the same key is safe."""

    def __init__(self, message: str, *, attempts: int, idempotency_key: str | None = None):
        super().__init__(message)
        self.message = message
        self.attempts = attempts
        self.idempotency_key = idempotency_key


class OrdoAPIError(OrdoError):
    """The gateway answered with an error envelope.

    ``result`` holds the per-account outcomes when the request fanned out and every
    account failed.
    """

    def __init__(
        self,
        error_code: str,
        message: str,
        *,
        request_id: str | None,
        status_code: int,
        details: Any = None,
        retry_after: float | None = None,
        result: FanoutResult[Any] | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.request_id = request_id
        self.status_code = status_code
        self.details = details
        self.retry_after = retry_after
        self.result = result

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(error_code={self.error_code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r}, status_code={self.status_code})"
        )


class OrdoAuthError(OrdoAPIError):
    """401 or 403: the token is missing, wrong, or not allowed to do this."""


class OrdoNotFoundError(OrdoAPIError):
    """404: no such account, order or endpoint."""


class OrdoValidationError(OrdoAPIError):
    """Any other 4xx: the request was refused as it stands (bad field, pre-trade check,
    kill switch). Sending it again unchanged gives the same answer."""


class OrdoConflictError(OrdoAPIError):
    """409: the same idempotency key is still in flight, or a state conflict."""


class OrdoRateLimitError(OrdoAPIError):
    """429: too many requests; ``retry_after`` says how long to wait."""


class OrdoServerError(OrdoAPIError):
    """5xx: the gateway or a broker behind it failed."""


class OrdoPartialFailureError(OrdoAPIError):
    """Raised by ``raise_for_failures()``: some account legs failed or have an unknown
    outcome. ``failed`` and ``unknown`` list them; ``result`` holds every leg."""

    def __init__(
        self,
        result: FanoutResult[Any],
        failed: Sequence[AccountResult[Any]],
        unknown: Sequence[AccountResult[Any]],
    ) -> None:
        parts = [f"{leg.account}: {leg.error_code or leg.status.value}" for leg in failed]
        parts += [f"{leg.account}: outcome unknown" for leg in unknown]
        codes = {leg.error_code for leg in failed if leg.error_code}
        super().__init__(
            codes.pop() if len(codes) == 1 and not unknown else "PARTIAL_FAILURE",
            f"{len(failed) + len(unknown)} of {len(result.results)} accounts did not succeed ("
            + "; ".join(parts)
            + ")",
            request_id=result.request_id,
            status_code=result.http_status,
            result=result,
        )
        self.failed = list(failed)
        self.unknown = list(unknown)


def error_class_for(status_code: int) -> type[OrdoAPIError]:
    """The exception class for an HTTP error status."""
    if status_code in (401, 403):
        return OrdoAuthError
    if status_code == 404:
        return OrdoNotFoundError
    if status_code == 409:
        return OrdoConflictError
    if status_code == 429:
        return OrdoRateLimitError
    if status_code >= 500:
        return OrdoServerError
    return OrdoValidationError


class OrdoResponseError(OrdoError):
    """The gateway answered 2xx with something the client cannot read: usually a client
    older than the server, or a proxy in between."""

    def __init__(self, message: str, *, request_id: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
