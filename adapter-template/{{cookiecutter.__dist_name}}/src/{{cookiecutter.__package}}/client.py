"""HTTP only: one call to the {{ cookiecutter.broker_name }} API, its envelope unwrapped and its errors mapped
onto Ordo's error contract. No domain mapping here (that is ``mapping.py``)."""

from __future__ import annotations

from typing import Any

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
from ordo.adapters.http import transport_error

_BY_CODE: dict[str, type[BrokerError]] = {
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
        try:
            retry_after = float(response.headers.get("retry-after", "1"))
        except ValueError:
            retry_after = 1.0
        return RateLimited(message, retry_after=retry_after, broker_code=code or None)
    if code in _BY_CODE:
        return _BY_CODE[code](message, broker_code=code)
    if response.status_code == 401:
        return SessionExpired(message, broker_code=code or None)
    if response.status_code >= 500:
        error = OutcomeUnknown if write else BrokerUnavailable
        return error(message, broker_code=code or None)
    return InvalidRequest(message, broker_code=code or None)


async def call(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    token: str | None = None,
    write: bool = False,
    **kwargs: Any,
) -> Any:
    """Send one request and return the ``data`` of the envelope."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = await http.request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(exc, write=write) from None
    if response.status_code >= 400:
        raise error_from_response(response, write=write)
    try:
        return response.json()["data"]
    except (ValueError, KeyError, TypeError):
        raise (OutcomeUnknown if write else BrokerUnavailable)(
            "the broker sent a malformed reply"
        ) from None
