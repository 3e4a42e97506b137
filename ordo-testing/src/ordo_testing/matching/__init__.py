"""The neutral fake matching engine the broker fakes share (see ``engine``)."""

from ordo_testing.matching.engine import MatchingEngine
from ordo_testing.matching.orders import (
    DEFAULT_MARGIN_RATES,
    RMS_REASONS,
    EngineError,
    EngineOrder,
    Fill,
    FundsView,
    HoldingLot,
    Listing,
    OrderState,
    OrderTicket,
    PositionBook,
    RejectReason,
)

__all__ = [
    "DEFAULT_MARGIN_RATES",
    "RMS_REASONS",
    "EngineError",
    "EngineOrder",
    "Fill",
    "FundsView",
    "HoldingLot",
    "Listing",
    "MatchingEngine",
    "OrderState",
    "OrderTicket",
    "PositionBook",
    "RejectReason",
]
