"""The records of the neutral fake matching engine: what it lists, the orders it holds and
the fills it makes. Broker-neutral: a fake renders them in its broker's wire format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ordo.domain import OrderType, Product, Side
from ordo.domain.matching import DayPosition


class OrderState(StrEnum):
    OPEN = "open"
    """Resting in the book (a limit order, or a stop-limit order after its trigger)."""
    TRIGGER_PENDING = "trigger_pending"
    """A stop order waiting for the last price to reach its trigger."""
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    """Refused by the risk checks; kept in the book with ``reason``, as brokers show it."""
    EXPIRED = "expired"
    """Still open when the trading day ended (``MatchingEngine.expire_day``)."""


LIVE_STATES = frozenset({OrderState.OPEN, OrderState.TRIGGER_PENDING})


class RejectReason(StrEnum):
    """Why the engine refused a request or rejected an order."""

    UNKNOWN_INSTRUMENT = "unknown_instrument"
    NOT_TRADABLE = "not_tradable"
    BAD_QUANTITY = "bad_quantity"
    LOT_SIZE = "lot_size"
    TICK_SIZE = "tick_size"
    BAD_PRICE = "bad_price"
    TRIGGER_SIDE = "trigger_side"
    """A stop order's trigger is already crossed: a buy stop must be above the last price,
    a sell stop below it."""
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INSUFFICIENT_HOLDINGS = "insufficient_holdings"
    UNKNOWN_ORDER = "unknown_order"
    NOT_OPEN = "not_open"


RMS_REASONS = frozenset(
    {
        RejectReason.TRIGGER_SIDE,
        RejectReason.INSUFFICIENT_FUNDS,
        RejectReason.INSUFFICIENT_HOLDINGS,
    }
)
"""Reasons the risk system rejects an accepted order (it enters the book as REJECTED);
the others refuse the request itself."""


class EngineError(Exception):
    """A request the engine refuses outright (the fake answers it with its broker's error)."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Listing:
    """One instrument the fake broker trades, under the key the fake chooses (a token, a
    ticker)."""

    key: str
    last_price: Decimal
    lot_size: int = 1
    tick_size: Decimal = Decimal("0.05")
    tradable: bool = True
    margin_rate: Decimal | None = None
    """Share of an order's value blocked, overriding the product's rate (F&O margins)."""


@dataclass
class OrderTicket:
    """What a fake hands the engine to place an order, decoded from its wire format."""

    key: str
    side: Side
    quantity: int
    order_type: OrderType
    product: Product = Product.CNC
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    tag: str | None = None
    after_market: bool = False
    """An after-market order: accepted and checked now, matched only at ``open_market``."""
    immediate_or_cancel: bool = False
    """IOC validity: what does not fill on arrival is cancelled."""
    book_product: str = ""
    """The broker's own product under the neutral one (Fyers' CO, BO or MTF under MIS/CNC):
    day positions are kept apart per broker product, and ``product_rates`` may price it."""
    order_id: str | None = None
    """The broker's own number for the order, when the fake numbers its orders before the
    engine sees them (HDFC shows a new order as Pending before its RMS decides)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Broker-specific fields the fake wants to echo back in its book (validity...)."""


@dataclass
class EngineOrder:
    order_id: str
    key: str
    side: Side
    quantity: int
    order_type: OrderType
    product: Product
    price: Decimal | None
    trigger_price: Decimal | None
    tag: str | None
    state: OrderState
    placed_at: datetime
    updated_at: datetime
    filled_quantity: int = 0
    average_price: Decimal | None = None
    reason: str = ""
    reject_reason: RejectReason | None = None
    """Why the order was rejected into the book (``reason`` is the text)."""
    after_market: bool = False
    immediate_or_cancel: bool = False
    book_product: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pending_quantity(self) -> int:
        return self.quantity - self.filled_quantity if self.state in LIVE_STATES else 0

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES


@dataclass(frozen=True)
class Fill:
    trade_id: str
    order_id: str
    key: str
    side: Side
    product: Product
    quantity: int
    price: Decimal
    at: datetime
    book_product: str = ""


@dataclass(kw_only=True)
class PositionBook(DayPosition):
    """The day's net position in one instrument and product (and broker product); the
    arithmetic is ``ordo.domain.matching.DayPosition``, shared with the paper broker."""

    key: str
    product: Product
    book_product: str = ""


@dataclass
class HoldingLot:
    """Settled delivery stock (from before today)."""

    key: str
    quantity: int
    average_price: Decimal


DEFAULT_MARGIN_RATES: Mapping[Product, Decimal] = {
    Product.CNC: Decimal(1),
    Product.NRML: Decimal(1),
    Product.MIS: Decimal("0.2"),
}
"""Share of an order's value the account must hold (intraday gets 5x leverage)."""


@dataclass(frozen=True)
class FundsView:
    opening: Decimal
    realized: Decimal
    blocked: Decimal
    """Margin held for open orders."""
    used: Decimal
    """Cash in delivery buys and margin held for open intraday/carry positions."""

    @property
    def available(self) -> Decimal:
        return self.opening + self.realized - self.blocked - self.used
