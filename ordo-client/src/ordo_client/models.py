"""Typed models of the trading resources: instruments, quotes, funds, holdings, positions,
orders. Money and prices are ``Decimal`` (the server sends them as JSON strings).

Response models accept fields a newer server adds (kept in ``model_extra``) so an upgrade of
the gateway never breaks a deployed client; the drift test keeps the declared fields in step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from ordo_client.enums import (
    Exchange,
    InstrumentType,
    OrderStatus,
    OrderType,
    Product,
    Side,
    Validity,
)


class ResponseModel(BaseModel):
    """Base of every model the server sends: immutable, tolerant of new fields."""

    model_config = ConfigDict(frozen=True, extra="allow")


class Instrument(ResponseModel):
    """A tradable (or quotable) instrument from an account's instrument master."""

    exchange: Exchange
    symbol: str
    name: str = ""
    instrument_type: InstrumentType = InstrumentType.EQUITY
    lot_size: int = 1
    tick_size: Decimal = Decimal("0.05")
    tradable: bool = True
    expiry: date | None = None
    strike: Decimal | None = None
    underlying: str | None = None
    isin: str | None = None
    broker_token: str | None = None
    freeze_quantity: int | None = None
    """The exchange's largest quantity per order of this derivative, when the broker's
    master carries it."""

    @property
    def ref(self) -> str:
        """The ``EXCHANGE:SYMBOL`` reference the API takes."""
        return f"{self.exchange.value}:{self.symbol}"


class Quote(ResponseModel):
    """A snapshot quote."""

    exchange: Exchange
    symbol: str
    last_price: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    volume: int | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    timestamp: datetime | None = None


class SymbolError(ResponseModel):
    """A symbol of a quote batch the account could not quote (unknown to its broker); the
    batch's other symbols are still quoted."""

    exchange: Exchange
    symbol: str
    error_code: str
    message: str


class CancelFailure(ResponseModel):
    order_id: str | None = None
    error_code: str | None = None
    message: str | None = None


class CancelledOnAccount(ResponseModel):
    """One account's share of a cancel-all: the orders cancelled and those that failed."""

    cancelled: list[str] = Field(default_factory=list)
    failed: list[CancelFailure] = Field(default_factory=list)


class PositionExit(ResponseModel):
    """One position's exit in an exit-all: the order sent to flatten it, or why not."""

    exchange: str
    symbol: str
    product: str
    position_quantity: int
    """The net quantity read before the exit: positive long, negative short."""
    side: Side
    quantity: int
    status: Literal["success", "error", "unknown"]
    order_id: str | None = None
    """The exit order's broker id; ``None`` when it was sliced (see ``sliced``)."""
    tag: str | None = None
    sliced: SlicedOrder | None = None
    """Set when the exit was above the exchange freeze quantity and went as child orders
    of at most that quantity: each child's outcome and order id."""
    pending_order_ids: list[str] = Field(default_factory=list)
    """Open orders already closing part of the position; their quantity was left out."""
    error_code: str | None = None
    message: str | None = None

    def order_ids(self) -> list[str]:
        """Every broker order id of this exit: its one order, or each acknowledged child
        of a sliced one."""
        if self.sliced is not None:
            return list(self.sliced.order_ids)
        return [self.order_id] if self.order_id else []


class ExitsOnAccount(ResponseModel):
    """One account's share of an exit-all: one entry per open position."""

    positions: list[PositionExit] = Field(default_factory=list)


class Funds(ResponseModel):
    """Money available to trade, in INR."""

    available: Decimal
    used: Decimal = Decimal(0)
    total: Decimal
    collateral: Decimal = Decimal(0)


class Holding(ResponseModel):
    exchange: Exchange
    symbol: str
    quantity: int
    average_price: Decimal
    last_price: Decimal | None = None
    pnl: Decimal | None = None
    isin: str | None = None
    t1_quantity: int = 0


class Position(ResponseModel):
    exchange: Exchange
    symbol: str
    product: Product
    quantity: int
    """Net quantity: positive long, negative short."""
    average_price: Decimal
    last_price: Decimal | None = None
    buy_quantity: int = 0
    sell_quantity: int = 0
    buy_average: Decimal | None = None
    sell_average: Decimal | None = None
    realised_pnl: Decimal = Decimal(0)
    unrealised_pnl: Decimal = Decimal(0)


class Order(ResponseModel):
    """An order as it stands in the broker's order book."""

    order_id: str
    exchange: Exchange
    symbol: str
    side: Side
    quantity: int
    filled_quantity: int = 0
    order_type: OrderType
    product: Product
    validity: Validity = Validity.DAY
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    average_price: Decimal | None = None
    status: OrderStatus
    status_message: str = ""
    tag: str | None = None
    placed_at: datetime | None = None
    updated_at: datetime | None = None


class OrderHistoryEntry(ResponseModel):
    """One step of an order's life as the broker records it (its history), oldest first."""

    order_id: str
    status: OrderStatus
    quantity: int
    filled_quantity: int = 0
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    average_price: Decimal | None = None
    message: str = ""
    at: datetime | None = None


class Trade(ResponseModel):
    """One fill of the trade book."""

    trade_id: str
    order_id: str
    exchange: Exchange
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    product: Product
    traded_at: datetime | None = None
    tag: str | None = None


class Profile(ResponseModel):
    """The user's profile at an account's broker (brokers mask email and phone)."""

    client_id: str
    name: str = ""
    email: str | None = None
    phone: str | None = None
    broker: str


class RequestLeg(ResponseModel):
    """One account's leg of an order request, as the gateway's ledger records it."""

    account: str
    adapter: str
    leg: int = 0
    state: str
    broker_tag: str | None = None
    broker_order_id: str | None = None
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    error_code: str | None = None
    message: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    algo_name: str | None = None
    """``algo_name`` of the API token that placed the leg (its ``algo_id`` below)."""
    algo_id: str | None = None


class TracedLeg(RequestLeg):
    """A leg in ``GET /api/v1/requests/{id}``: with its order's latest state from the
    order events."""

    order_status: str | None = None
    """The order's latest status (``REJECTED`` after an acknowledgement shows here)."""
    last_event_id: int | None = None
    rejected_after_ack: bool = False


class OrderDetail(Order):
    """An order as the broker reports it, with the gateway's ledger entry when the gateway
    placed it."""

    ledger: RequestLeg | None = None


class SentOrder(ResponseModel):
    """What the gateway actually sent for a MARKET or SL-M order: exchanges refuse naked
    algo market orders, so it went with the broker's protection field (``protection`` is
    ``field``) or as a LIMIT (SL) priced from a fresh quote (``limit``)."""

    order_type: OrderType
    price: Decimal | None = None
    """The protective limit price (``limit``); ``None`` with the broker's field."""
    protection: Literal["field", "limit"]
    market_protection_pct: Decimal
    reference_price: Decimal | None = None
    """The quote (SL-M: the trigger) the limit price was computed from."""


class PlacedOrder(ResponseModel):
    """One account's acknowledgement of a placed order."""

    order_id: str
    status: OrderStatus
    tag: str | None = None
    """The broker-side tag derived from the idempotency key: find the order by it."""
    message: str = ""
    reconciled: bool = False
    """True when the first attempt's outcome was unknown and the gateway found the order by
    its tag instead of sending it again."""
    margin_source: Literal["broker", "estimate"] | None = None
    """What the pre-trade funds check valued the order with: the broker's margin
    calculator or the local estimate (price x quantity); ``None`` when funds were not
    checked."""
    sent: SentOrder | None = None
    """What was sent for a MARKET or SL-M order; ``None`` for LIMIT and SL orders."""


class SliceOutcome(ResponseModel):
    """One child order of a sliced leg."""

    index: int
    quantity: int
    tag: str
    """The child's broker tag (from the idempotency key, the account and ``index``)."""
    status: Literal["success", "error", "unknown", "not_sent"]
    """``not_sent``: an earlier child failed or the kill switch was engaged."""
    order_id: str | None = None
    error_code: str | None = None
    message: str = ""
    reconciled: bool = False
    sent: SentOrder | None = None


class SlicedOrder(ResponseModel):
    """One account's result when its order was above the exchange's freeze quantity and
    sent, as asked with ``slice=True``, as child orders of at most that quantity."""

    sliced: bool = True
    tag: str
    quantity: int
    freeze_quantity: int
    order_ids: list[str] = Field(default_factory=list)
    """The acknowledged children's order ids, in order."""
    slices: list[SliceOutcome] = Field(default_factory=list)


class OrderAck(ResponseModel):
    """A broker's answer to modify or cancel."""

    order_id: str
    status: OrderStatus = OrderStatus.PENDING
    message: str = ""


class AccountPortfolio(ResponseModel):
    """One account's funds, holdings and positions."""

    funds: Funds
    holdings: list[Holding] = Field(default_factory=list)
    positions: list[Position] = Field(default_factory=list)


class FundsTotal(ResponseModel):
    available: Decimal
    used: Decimal
    total: Decimal


class AccountHolding(Holding):
    """A holding in the consolidated portfolio, with the account it belongs to."""

    account: str


class AccountPosition(Position):
    """A position in the consolidated portfolio, with the account it belongs to."""

    account: str


class ConsolidatedPortfolio(ResponseModel):
    """Funds summed, and holdings and positions listed, over the accounts that answered."""

    funds: FundsTotal
    holdings: list[AccountHolding] = Field(default_factory=list)
    positions: list[AccountPosition] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)


Price = Annotated[Decimal, Field(gt=0)]


class _RequestModel(BaseModel):
    # Unknown fields are a caller's typo: refuse them here, before they reach the server.
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_serializer("price", "trigger_price", "market_protection_pct", check_fields=False)
    def _decimal_as_string(self, value: Decimal | None) -> str | None:
        # Strings keep every digit: a float would turn 812.35 into 812.3499999...
        return None if value is None else str(value)


class OrderRequest(_RequestModel):
    """One order, broker-neutral. ``place_order`` sends it to one or several accounts.

    The server validates it fully (prices against the order type, lot and tick sizes); the
    client only checks the types.
    """

    exchange: Exchange
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    side: Side
    quantity: Annotated[int, Field(gt=0)]
    order_type: OrderType = OrderType.MARKET
    product: Product = Product.CNC
    validity: Validity = Validity.DAY
    price: Price | None = None
    trigger_price: Price | None = None
    disclosed_quantity: Annotated[int, Field(ge=0)] = 0
    amo: bool = False
    """After-market order: queued by the broker for the next session."""
    market_protection_pct: Annotated[Decimal, Field(gt=0, le=20)] | None = None
    """How far from the market a MARKET or SL-M order may trade, in percent (0, 20];
    ``None`` takes the gateway's configured default."""
    slice: bool = False
    """Send a derivative order above the exchange's freeze quantity as child orders of at
    most that quantity instead of having it refused (``FREEZE_QUANTITY_EXCEEDED``)."""


class OrderModification(_RequestModel):
    """Fields to change on an open order; fields left unset keep their value."""

    quantity: Annotated[int, Field(gt=0)] | None = None
    price: Price | None = None
    trigger_price: Price | None = None
    order_type: OrderType | None = None
    validity: Validity | None = None
