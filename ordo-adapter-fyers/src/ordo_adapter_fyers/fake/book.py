"""The fake's order book in Fyers' wire format (fact sheet §3, §4). Matching, fills, funds,
positions and holdings are Ordo's neutral engine (``ordo_testing.matching``); this module
decodes Fyers order bodies into engine tickets and renders engine orders, fills and funds as
Fyers replies, with Fyers' codes, products, status numbers and id formats."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.clock import IST
from ordo.domain import Product, Side
from ordo_testing.matching import (
    EngineError,
    EngineOrder,
    Fill,
    FundsView,
    HoldingLot,
    Listing,
    MatchingEngine,
    OrderState,
    OrderTicket,
    RejectReason,
)

from ordo_adapter_fyers.fake.master import FakeSymbol
from ordo_adapter_fyers.mapping import (
    ORDER_TYPES_BY_CODE,
    PRODUCTS_BY_CODE,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STATUS_TRADED,
)

# The broker's own codes, written once: the adapter's wire tables.
ORDER_TYPES = ORDER_TYPES_BY_CODE
PRODUCTS = PRODUCTS_BY_CODE
MARGIN_RATES = {Product.CNC: Decimal(1), Product.MIS: Decimal("0.2"), Product.NRML: Decimal("0.2")}
PRODUCT_RATES = {"MTF": Decimal("0.5")}
"""The fake's RMS blocks the full value for CNC, half for MTF and a fifth otherwise; its
margin calculator answers with the same figures."""
_STATUS = {
    OrderState.OPEN: STATUS_PENDING,
    OrderState.TRIGGER_PENDING: STATUS_PENDING,
    OrderState.FILLED: STATUS_TRADED,
    OrderState.CANCELLED: STATUS_CANCELLED,
    OrderState.REJECTED: STATUS_REJECTED,
    OrderState.EXPIRED: STATUS_EXPIRED,
}
_RMS_MESSAGES = {
    RejectReason.NOT_TRADABLE: "Symbol is not tradable (trade status inactive)",
    RejectReason.INSUFFICIENT_FUNDS: "RMS:Margin Exceeds, Insufficient Funds",
    RejectReason.INSUFFICIENT_HOLDINGS: "RMS:Insufficient holdings to sell",
    RejectReason.TRIGGER_SIDE: "RMS:Trigger price is on the wrong side of the LTP",
}
_TAG = re.compile(r"^[A-Za-z0-9]{1,30}$")


class BookError(Exception):
    """A refusal with a Fyers error code (and the order id when one was recorded)."""

    def __init__(self, code: int, message: str, order_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.order_id = order_id


def fyers_time(moment: datetime) -> str:
    """``09-Mar-2023 09:34:38`` in IST, the format of ``orderDateTime``."""
    return moment.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S")


def _refusal(error: EngineError, body: dict[str, Any], symbol: FakeSymbol) -> BookError:
    """The Fyers code and message for a request the engine refuses."""
    if error.reason in (RejectReason.BAD_QUANTITY, RejectReason.LOT_SIZE):
        return BookError(-50, f"Invalid qty: must be a multiple of lot size {symbol.lot_size}")
    both_prices = _dec(body.get("limitPrice")) > 0 and _dec(body.get("stopPrice")) > 0
    if error.reason is RejectReason.BAD_PRICE and both_prices:
        # Both prices set yet refused: a stop-limit whose limit is on the wrong side.
        return BookError(-315, "Invalid stop-limit price")
    if error.reason is RejectReason.TICK_SIZE:
        return BookError(-50, f"Price not a multiple of tick size {symbol.tick:.4f}")
    return BookError(-50, error.message)


class OrderBook:
    """One fake user's account: Fyers' view of a ``MatchingEngine``."""

    def __init__(
        self,
        symbols: dict[str, FakeSymbol],
        cash: Decimal = Decimal(1_000_000),
        collateral: Decimal = Decimal(50_000),
    ) -> None:
        self.symbols = symbols
        self.collateral = collateral
        order_numbers = itertools.count(1)
        trade_numbers = itertools.count(1)
        self.engine = MatchingEngine(
            [Listing(s.ticker, s.price, s.lot_size, s.tick, s.tradable) for s in symbols.values()],
            cash=cash,
            holdings=[HoldingLot("NSE:SBIN-EQ", 10, Decimal("550.00"))],
            margin_rates=MARGIN_RATES,
            product_rates=PRODUCT_RATES,
            # Fyers books an order for an untradable symbol, then rejects it.
            booked_refusals=(RejectReason.NOT_TRADABLE,),
            # The fact sheet names no holdings check; the fake lets delivery sells through.
            check_holdings=False,
            order_ids=lambda: f"{datetime.now(IST):%y%m%d}{next(order_numbers):08d}",
            trade_ids=lambda: f"{next(trade_numbers):012d}",
        )

    # -- views -----------------------------------------------------------------------------
    @property
    def orders(self) -> dict[str, EngineOrder]:
        return self.engine.orders

    @property
    def trades(self) -> list[Fill]:
        return self.engine.fills

    @property
    def prices(self) -> dict[str, Decimal]:
        return {key: listing.last_price for key, listing in self.engine.listings.items()}

    @property
    def holdings(self) -> list[HoldingLot]:
        return list(self.engine.holdings.values())

    # -- order entry -----------------------------------------------------------------------
    def ticket(self, body: dict[str, Any]) -> OrderTicket:
        """An engine ticket from a place-order body, after Fyers' own field checks."""
        symbol = self.symbols.get(str(body.get("symbol", "")).upper())
        if symbol is None:
            raise BookError(-300, "Invalid symbol provided")
        otype, side = _int(body.get("type")), _int(body.get("side"))
        product, validity = str(body.get("productType", "")), str(body.get("validity", ""))
        tag = body.get("orderTag")
        if otype not in ORDER_TYPES:
            raise BookError(-101, "Invalid order type")
        if side not in (1, -1):
            raise BookError(-313, "Invalid side")
        if product not in PRODUCTS:
            raise BookError(-314, "Invalid productType")
        if validity not in ("DAY", "IOC"):
            raise BookError(-326, "Invalid validity")
        if tag is not None and (not isinstance(tag, str) or not _TAG.match(tag)):
            raise BookError(-50, "Invalid orderTag: 1-30 alphanumeric characters")
        return OrderTicket(
            key=symbol.ticker,
            side=Side.BUY if side == 1 else Side.SELL,
            quantity=_int(body.get("qty")),
            order_type=ORDER_TYPES[otype],
            product=PRODUCTS[product],
            price=_dec(body.get("limitPrice")) or None,
            trigger_price=_dec(body.get("stopPrice")) or None,
            tag=tag,
            after_market=bool(body.get("offlineOrder")),
            immediate_or_cancel=validity == "IOC",
            book_product=product,
            extra={
                "validity": validity,
                "disclosed": _int(body.get("disclosedQty")),
                "id_fyers": str(uuid.uuid4()),
            },
        )

    def place(self, body: dict[str, Any]) -> EngineOrder:
        """Record an order; an RMS rejection is booked and raised as -99 with its id."""
        ticket = self.ticket(body)
        try:
            order = self.engine.place(ticket)
        except EngineError as error:
            raise _refusal(error, body, self.symbols[ticket.key]) from None
        if order.state is OrderState.REJECTED:
            assert order.reject_reason is not None
            message = _RMS_MESSAGES.get(order.reject_reason, order.reason)
            order.reason = message
            raise BookError(-99, message, order.order_id)
        return order

    def modify(self, body: dict[str, Any]) -> EngineOrder:
        order = self._open_order(str(body.get("id", "")))
        otype = _int(body.get("type"))
        if otype not in ORDER_TYPES:
            raise BookError(-101, "Invalid order type")
        try:
            return self.engine.modify(
                order.order_id,
                quantity=_int(body["qty"]) if "qty" in body else None,
                price=_dec(body["limitPrice"]) if "limitPrice" in body else None,
                trigger_price=_dec(body["stopPrice"]) if "stopPrice" in body else None,
                order_type=ORDER_TYPES[otype],
            )
        except EngineError as error:
            if error.reason in (RejectReason.INSUFFICIENT_FUNDS, RejectReason.TRIGGER_SIDE):
                raise BookError(-99, _RMS_MESSAGES[error.reason], order.order_id) from None
            raise _refusal(error, body, self.symbols[order.key]) from None

    def cancel(self, order_id: str) -> EngineOrder:
        order = self.engine.cancel(self._open_order(order_id).order_id)
        order.reason = "Cancelled by user"
        return order

    def set_price(self, ticker: str, price: Decimal) -> None:
        """Move the market: resting orders that become marketable fill."""
        self.engine.set_price(ticker.upper(), price)

    def _open_order(self, order_id: str) -> EngineOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise BookError(-51, "Invalid order id")
        refusals = {
            OrderState.CANCELLED: (-161, "Order already cancelled"),
            OrderState.FILLED: (-162, "Order already traded"),
            OrderState.REJECTED: (-164, "Order already rejected"),
            OrderState.EXPIRED: (-164, "Order already expired"),
        }
        if order.state in refusals:
            code, message = refusals[order.state]
            raise BookError(code, message, order.order_id)
        return order

    # -- money -----------------------------------------------------------------------------
    def required(self, body: dict[str, Any]) -> Decimal:
        """What the fake's RMS would block for a place-order body."""
        ticket = self.ticket(body)
        try:
            return self.engine.required_margin(ticket)
        except EngineError as error:
            raise _refusal(error, body, self.symbols[ticket.key]) from None

    def available(self) -> Decimal:
        return self.engine.funds().available + self.collateral

    def fund_limit(self) -> list[dict[str, Any]]:
        funds: FundsView = self.engine.funds()
        used = funds.blocked + funds.used
        lines = [
            (1, "Total Balance", funds.opening),
            (2, "Utilized Amount", used),
            (3, "Clear Balance", funds.opening - used),
            (4, "Realized Profit and Loss", funds.realized),
            (5, "Collaterals", self.collateral),
            (6, "Fund Transfer", Decimal(0)),
            (7, "Receivables", Decimal(0)),
            (8, "Adhoc Limit", Decimal(0)),
            (9, "Limit at start of the day", funds.opening),
            (10, "Available Balance", self.available()),
        ]
        return [
            {"id": i, "title": t, "equityAmount": float(v), "commodityAmount": 0.0}
            for i, t, v in lines
        ]

    # -- wire rows -------------------------------------------------------------------------
    def order_row(self, order: EngineOrder) -> dict[str, Any]:
        symbol, status = self.symbols[order.key], _STATUS[order.state]
        otype = next(code for code, kind in ORDER_TYPES.items() if kind is order.order_type)
        disclosed = int(order.extra.get("disclosed", 0))
        return {
            "id": order.order_id,
            "id_fyers": order.extra.get("id_fyers", ""),
            "exchOrdId": f"1100000{order.order_id[-8:]}" if status != STATUS_REJECTED else "",
            "clientId": "FAKE01",
            "symbol": symbol.ticker,
            "ex_sym": symbol.underlying,
            "description": symbol.name,
            "qty": order.quantity,
            "filledQty": order.filled_quantity,
            "remainingQuantity": order.quantity - order.filled_quantity,
            "disclosedQty": disclosed,
            "dqQtyRem": disclosed,
            "limitPrice": float(order.price or 0),
            "stopPrice": float(order.trigger_price or 0),
            "tradedPrice": float(order.average_price or 0),
            "type": otype,
            "side": 1 if order.side is Side.BUY else -1,
            "productType": order.book_product,
            "orderValidity": order.extra.get("validity", "DAY"),
            "status": status,
            "message": "TRADE CONFIRMED" if status == STATUS_TRADED else order.reason,
            "orderDateTime": fyers_time(order.placed_at),
            "offlineOrder": order.after_market or bool(order.extra.get("offline")),
            "source": "ITS",
            "segment": symbol.segment,
            "exchange": symbol.exchange,
            "instrument": symbol.inst_type,
            "fyToken": symbol.fytoken,
            "parentId": "",
            "orderTag": f"1:{order.tag}" if order.tag else "2:Untagged",
            "orderNumStatus": f"{order.order_id}:{status}",
            "slNo": 0,
            "pan": "",
            "ch": 0.0,
            "chp": 0.0,
            "lp": float(self.engine.listings[order.key].last_price),
        }

    def trade_row(self, fill: Fill) -> dict[str, Any]:
        order, symbol = self.orders[fill.order_id], self.symbols[fill.key]
        return {
            "clientId": "FAKE01",
            "orderDateTime": fyers_time(fill.at),
            "orderNumber": fill.order_id,
            "exchangeOrderNo": f"1100000{fill.order_id[-8:]}",
            "tradeNumber": fill.trade_id,
            "row": int(fill.trade_id[-4:]),
            "symbol": fill.key,
            "side": 1 if fill.side is Side.BUY else -1,
            "orderType": self.order_row(order)["type"],
            "productType": fill.book_product,
            "tradedQty": fill.quantity,
            "tradePrice": float(fill.price),
            "tradeValue": float(fill.price * fill.quantity),
            "exchange": symbol.exchange,
            "segment": symbol.segment,
            "fyToken": symbol.fytoken,
            "orderTag": f"1:{order.tag}" if order.tag else "2:Untagged",
        }


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)
