"""The only exceptions an adapter may raise (the broker half of ``ordo.errors``).

Adapter packages import them from here; the classes live in ``ordo.errors``, the one
taxonomy, where each class says whether the core retries, whether the order may have taken
effect, and whether the breaker counts it.
"""

from __future__ import annotations

from ordo.errors import (
    BROKER_ERRORS,
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    Effect,
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    IpNotWhitelisted,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
    UnsupportedOperation,
)

ALL_ERRORS = BROKER_ERRORS

__all__ = [
    "ALL_ERRORS",
    "AuthFailed",
    "BrokerError",
    "BrokerUnavailable",
    "Effect",
    "InstrumentNotFound",
    "InsufficientFunds",
    "InvalidRequest",
    "IpNotWhitelisted",
    "OrderNotFound",
    "OrderRejected",
    "OutcomeUnknown",
    "RateLimited",
    "SessionExpired",
    "UnsupportedOperation",
]
