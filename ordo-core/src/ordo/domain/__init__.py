"""Broker-neutral domain models: pydantic only, no I/O."""

from ordo.domain.enums import (
    Exchange,
    InstrumentType,
    OrderStatus,
    OrderType,
    Product,
    Side,
    Validity,
)
from ordo.domain.exits import exit_order_for, reduces_exposure
from ordo.domain.indices import unified_index_symbol
from ordo.domain.instruments import Instrument, SymbolRef
from ordo.domain.orders import (
    Order,
    OrderAck,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    Trade,
    history_from_fills,
    order_history,
)
from ordo.domain.portfolio import Funds, Holding, Position
from ordo.domain.profile import Profile
from ordo.domain.quotes import Quote, SymbolError
from ordo.domain.results import AccountResult, Rejection, ResultStatus
from ordo.domain.sessions import BrokerSession, ChallengeKind, LoginChallenge, SessionState
from ordo.domain.symbols import DerivativeSymbol, derivative_symbol, parse_derivative_symbol

__all__ = [
    "AccountResult",
    "BrokerSession",
    "ChallengeKind",
    "DerivativeSymbol",
    "Exchange",
    "Funds",
    "Holding",
    "Instrument",
    "InstrumentType",
    "LoginChallenge",
    "Order",
    "OrderAck",
    "OrderHistoryEntry",
    "OrderModification",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "Position",
    "Product",
    "Profile",
    "Quote",
    "Rejection",
    "ResultStatus",
    "SessionState",
    "Side",
    "SymbolError",
    "SymbolRef",
    "Trade",
    "Validity",
    "derivative_symbol",
    "exit_order_for",
    "history_from_fills",
    "order_history",
    "parse_derivative_symbol",
    "reduces_exposure",
    "unified_index_symbol",
]
