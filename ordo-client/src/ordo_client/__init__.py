"""Client SDK for the Ordo gateway: ``Ordo`` (blocking) and ``AsyncOrdo`` (asyncio).

from ordo_client import Ordo, OrderRequest

with Ordo("http://127.0.0.1:8000", token="...") as ordo:
    result = ordo.place_order(
        OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1),
        accounts=["paper"],
    )
    result.raise_for_failures()
"""

from ordo_client.admin import (
    Account,
    AccountStatus,
    AuditEvent,
    AuditPage,
    BreakerInfo,
    Challenge,
    GatewayStatus,
    Health,
    KillSwitchChange,
    KillSwitchState,
    LoginStep,
    Plugin,
    RequestLeg,
    RequestTrace,
    SessionInfo,
)
from ordo_client.async_client import AsyncOrdo
from ordo_client.config import ENV_TOKEN, ENV_URL
from ordo_client.enums import (
    ChallengeKind,
    Exchange,
    InstrumentType,
    LegStatus,
    OrderStatus,
    OrderType,
    Product,
    SessionState,
    Side,
    Validity,
)
from ordo_client.errors import (
    OrdoAPIError,
    OrdoAuthError,
    OrdoConfigError,
    OrdoConflictError,
    OrdoConnectionError,
    OrdoError,
    OrdoNotFoundError,
    OrdoPartialFailureError,
    OrdoRateLimitError,
    OrdoResponseError,
    OrdoServerError,
    OrdoValidationError,
)
from ordo_client.models import (
    AccountHolding,
    AccountPortfolio,
    AccountPosition,
    ConsolidatedPortfolio,
    Funds,
    FundsTotal,
    Holding,
    Instrument,
    Order,
    OrderAck,
    OrderModification,
    OrderRequest,
    PlacedOrder,
    Position,
    Quote,
)
from ordo_client.results import AccountResult, FanoutResult, OrderResult, PortfolioResult
from ordo_client.retry import RetryPolicy
from ordo_client.sync_client import Ordo

__version__ = "0.1.0"

__all__ = [
    "ENV_TOKEN",
    "ENV_URL",
    "Account",
    "AccountHolding",
    "AccountPortfolio",
    "AccountPosition",
    "AccountResult",
    "AccountStatus",
    "AsyncOrdo",
    "AuditEvent",
    "AuditPage",
    "BreakerInfo",
    "Challenge",
    "ChallengeKind",
    "ConsolidatedPortfolio",
    "Exchange",
    "FanoutResult",
    "Funds",
    "FundsTotal",
    "GatewayStatus",
    "Health",
    "Holding",
    "Instrument",
    "InstrumentType",
    "KillSwitchChange",
    "KillSwitchState",
    "LegStatus",
    "LoginStep",
    "Order",
    "OrderAck",
    "OrderModification",
    "OrderRequest",
    "OrderResult",
    "OrderStatus",
    "OrderType",
    "Ordo",
    "OrdoAPIError",
    "OrdoAuthError",
    "OrdoConfigError",
    "OrdoConflictError",
    "OrdoConnectionError",
    "OrdoError",
    "OrdoNotFoundError",
    "OrdoPartialFailureError",
    "OrdoRateLimitError",
    "OrdoResponseError",
    "OrdoServerError",
    "OrdoValidationError",
    "PlacedOrder",
    "Plugin",
    "PortfolioResult",
    "Position",
    "Product",
    "Quote",
    "RequestLeg",
    "RequestTrace",
    "RetryPolicy",
    "SessionInfo",
    "SessionState",
    "Side",
    "Validity",
    "__version__",
]
