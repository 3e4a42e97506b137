"""Ordo: one resilient REST API over several Indian brokers.

Adapter authors need only this namespace: ``hookimpl``, the ``BrokerAdapter`` contract, its
errors and the domain models.

The names load on first use (PEP 562), so importing a submodule such as ``ordo.cli`` does not
pay for the adapter contract, httpx and the domain models.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordo.adapters import (
        AdapterContext,
        AdapterSettings,
        AuthFailed,
        BrokerAdapter,
        BrokerError,
        BrokerUnavailable,
        Capability,
        InstrumentNotFound,
        InsufficientFunds,
        InvalidRequest,
        IpNotWhitelisted,
        OrderNotFound,
        OrderRejected,
        OutcomeUnknown,
        RateLimit,
        RateLimited,
        RateScope,
        SessionExpired,
        UnsupportedOperation,
    )
    from ordo.domain import (
        AccountResult,
        BrokerSession,
        ChallengeKind,
        DerivativeSymbol,
        Exchange,
        Funds,
        Holding,
        Instrument,
        InstrumentType,
        LoginChallenge,
        Order,
        OrderAck,
        OrderModification,
        OrderRequest,
        OrderStatus,
        OrderType,
        Position,
        Product,
        Quote,
        Rejection,
        ResultStatus,
        SessionState,
        Side,
        SymbolRef,
        Trade,
        Validity,
        derivative_symbol,
        parse_derivative_symbol,
    )
    from ordo.hookspecs import hookimpl

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AdapterContext": "ordo.adapters",
    "AdapterSettings": "ordo.adapters",
    "AuthFailed": "ordo.adapters",
    "BrokerAdapter": "ordo.adapters",
    "BrokerError": "ordo.adapters",
    "BrokerUnavailable": "ordo.adapters",
    "Capability": "ordo.adapters",
    "InstrumentNotFound": "ordo.adapters",
    "InsufficientFunds": "ordo.adapters",
    "InvalidRequest": "ordo.adapters",
    "IpNotWhitelisted": "ordo.adapters",
    "OrderNotFound": "ordo.adapters",
    "OrderRejected": "ordo.adapters",
    "OutcomeUnknown": "ordo.adapters",
    "RateLimit": "ordo.adapters",
    "RateLimited": "ordo.adapters",
    "RateScope": "ordo.adapters",
    "SessionExpired": "ordo.adapters",
    "UnsupportedOperation": "ordo.adapters",
    "AccountResult": "ordo.domain",
    "BrokerSession": "ordo.domain",
    "ChallengeKind": "ordo.domain",
    "DerivativeSymbol": "ordo.domain",
    "Exchange": "ordo.domain",
    "Funds": "ordo.domain",
    "Holding": "ordo.domain",
    "Instrument": "ordo.domain",
    "InstrumentType": "ordo.domain",
    "LoginChallenge": "ordo.domain",
    "Order": "ordo.domain",
    "OrderAck": "ordo.domain",
    "OrderModification": "ordo.domain",
    "OrderRequest": "ordo.domain",
    "OrderStatus": "ordo.domain",
    "OrderType": "ordo.domain",
    "Position": "ordo.domain",
    "Product": "ordo.domain",
    "Quote": "ordo.domain",
    "Rejection": "ordo.domain",
    "ResultStatus": "ordo.domain",
    "SessionState": "ordo.domain",
    "Side": "ordo.domain",
    "SymbolRef": "ordo.domain",
    "Trade": "ordo.domain",
    "Validity": "ordo.domain",
    "derivative_symbol": "ordo.domain",
    "parse_derivative_symbol": "ordo.domain",
    "hookimpl": "ordo.hookspecs",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ordo' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AccountResult",
    "AdapterContext",
    "AdapterSettings",
    "AuthFailed",
    "BrokerAdapter",
    "BrokerError",
    "BrokerSession",
    "BrokerUnavailable",
    "Capability",
    "ChallengeKind",
    "DerivativeSymbol",
    "Exchange",
    "Funds",
    "Holding",
    "Instrument",
    "InstrumentNotFound",
    "InstrumentType",
    "InsufficientFunds",
    "InvalidRequest",
    "IpNotWhitelisted",
    "LoginChallenge",
    "Order",
    "OrderAck",
    "OrderModification",
    "OrderNotFound",
    "OrderRejected",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "OutcomeUnknown",
    "Position",
    "Product",
    "Quote",
    "RateLimit",
    "RateLimited",
    "RateScope",
    "Rejection",
    "ResultStatus",
    "SessionExpired",
    "SessionState",
    "Side",
    "SymbolRef",
    "Trade",
    "UnsupportedOperation",
    "Validity",
    "__version__",
    "derivative_symbol",
    "hookimpl",
    "parse_derivative_symbol",
]
