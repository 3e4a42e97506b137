"""{{ cookiecutter.broker_name }} error codes -> Ordo's error taxonomy, as a table.

Replace the codes with your broker's documented ones. A reply that is not the documented
shape (an HTML error page, truncated JSON, an empty body) is never a success: a read becomes
``BrokerUnavailable`` (it did not take effect), a write ``OutcomeUnknown`` (it may have).
"""

from __future__ import annotations

import httpx
from ordo import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.adapters.http import retry_after_seconds

ERRORS_BY_CODE: dict[str, type[BrokerError]] = {
    "E_AUTH": AuthFailed,
    "E_OTP": AuthFailed,
    "E_SESSION": SessionExpired,
    "E_SCRIP": InstrumentNotFound,
    "E_BLOCKED": OrderRejected,
    "E_NOORDER": OrderNotFound,
    "E_STATE": OrderRejected,
    "E_INPUT": InvalidRequest,
}


def error_from_response(response: httpx.Response, *, write: bool) -> BrokerError:
    """Classify a non-2xx reply. A 5xx on a write may have taken effect."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("code", "")) if isinstance(body, dict) else ""
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    message = message or f"HTTP {response.status_code}"
    if response.status_code == 429:
        retry_after = retry_after_seconds(response.headers)
        return RateLimited(message, retry_after=retry_after, broker_code=code or None)
    if code in ERRORS_BY_CODE:
        return ERRORS_BY_CODE[code](message, broker_code=code)
    if response.status_code == 401:
        return SessionExpired(message, broker_code=code or None)
    if response.status_code >= 500:
        error = OutcomeUnknown if write else BrokerUnavailable
        return error(message, broker_code=code or None)
    return InvalidRequest(message, broker_code=code or None)


def malformed_reply(*, write: bool) -> BrokerError:
    """A 2xx reply that is not the documented envelope."""
    if write:
        return OutcomeUnknown("the broker sent a malformed reply to a write; check the order book")
    return BrokerUnavailable("the broker sent a malformed reply")
