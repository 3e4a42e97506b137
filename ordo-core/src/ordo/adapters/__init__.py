"""The adapter contract: base class, capabilities, errors, and shared HTTP helpers."""

from ordo.adapters.base import (
    AdapterContext,
    AdapterSettings,
    BrokerAdapter,
    RateLimit,
    RateScope,
)
from ordo.adapters.capabilities import (
    OPTIONAL_CAPABILITIES,
    REQUIRED_CAPABILITIES,
    Capability,
)
from ordo.adapters.egress import Egress
from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
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

__all__ = [
    "OPTIONAL_CAPABILITIES",
    "REQUIRED_CAPABILITIES",
    "AdapterContext",
    "AdapterSettings",
    "AuthFailed",
    "BrokerAdapter",
    "BrokerError",
    "BrokerUnavailable",
    "Capability",
    "Egress",
    "InstrumentNotFound",
    "InsufficientFunds",
    "InvalidRequest",
    "IpNotWhitelisted",
    "OrderNotFound",
    "OrderRejected",
    "OutcomeUnknown",
    "RateLimit",
    "RateLimited",
    "RateScope",
    "SessionExpired",
    "UnsupportedOperation",
]
