"""A neutral fake matching engine every broker fake drives.

It keeps one account's order book against a last price per instrument: market orders fill
at the last price, marketable limits on arrival at the last price and resting limits at
their own price once the market reaches them, stop orders (SL, SL-M) wait for their trigger,
which must be on the correct side of the last price when they are placed (a buy stop above
it, a sell stop below). Risk checks reject orders into the book (funds, holdings, trigger
side); malformed requests are refused with ``EngineError``. Funds, day positions and
holdings follow the fills.

A fake keeps only its broker's wire format, envelopes, error codes, login steps and quirks:
it decodes a request into an ``OrderTicket``, calls the engine, and renders the
``EngineOrder``, ``Fill`` and funds it gets back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from ordo.domain import OrderType, Product, Side
from ordo.domain.matching import (
    PRICED_TYPES,
    STOP_TYPES,
    limit_crossed,
    reference_price,
    stop_already_hit,
    stop_hit,
)

from ordo_testing.matching.checks import check_shape
from ordo_testing.matching.orders import (
    DEFAULT_MARGIN_RATES,
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


def _counter_ids(start: int) -> Callable[[], str]:
    counter = itertools.count(start)
    return lambda: str(next(counter))


class MatchingEngine:
    """One account at a fake broker: listings, orders, fills, positions, holdings, funds."""

    def __init__(
        self,
        listings: Iterable[Listing],
        *,
        cash: Decimal = Decimal("1000000"),
        holdings: Iterable[HoldingLot] = (),
        margin_rates: Mapping[Product, Decimal] = DEFAULT_MARGIN_RATES,
        product_rates: Mapping[str, Decimal] | None = None,
        booked_refusals: Collection[RejectReason] = (),
        check_holdings: bool = True,
        order_ids: Callable[[], str] | None = None,
        trade_ids: Callable[[], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.listings = {listing.key: listing for listing in listings}
        self.cash = cash
        self.holdings = {lot.key: lot for lot in holdings}
        self.margin_rates = dict(margin_rates)
        self.product_rates = dict(product_rates or {})
        """Margin rates by broker product (``OrderTicket.book_product``), over the neutral
        product's rate."""
        self.check_holdings = check_holdings
        """Off for a fake whose broker lets a delivery sell through without holdings."""
        self.booked_refusals = frozenset(booked_refusals)
        """Refusals a broker books as a REJECTED order instead of refusing the request
        (Fyers keeps an order for an untradable symbol)."""
        self.orders: dict[str, EngineOrder] = {}
        self.fills: list[Fill] = []
        self.positions: dict[tuple[str, Product, str], PositionBook] = {}
        self._order_ids = order_ids or _counter_ids(100_000_001)
        self._trade_ids = trade_ids or _counter_ids(500_000_001)
        self._clock = clock

    # -- lookups -------------------------------------------------------------------------
    def listing(self, key: str) -> Listing:
        try:
            return self.listings[key]
        except KeyError:
            raise EngineError(
                RejectReason.UNKNOWN_INSTRUMENT, f"unknown instrument {key}"
            ) from None

    def order(self, order_id: str) -> EngineOrder:
        try:
            return self.orders[order_id]
        except KeyError:
            raise EngineError(RejectReason.UNKNOWN_ORDER, f"no order {order_id}") from None

    def orders_tagged(self, tag: str) -> list[EngineOrder]:
        return [order for order in self.orders.values() if order.tag == tag]

    def fills_of(self, order_id: str) -> list[Fill]:
        return [fill for fill in self.fills if fill.order_id == order_id]

    # -- requests ------------------------------------------------------------------------
    def place(self, ticket: OrderTicket) -> EngineOrder:
        """Accept an order into the book (possibly REJECTED by the risk checks) or refuse
        the request with ``EngineError``."""
        listing = self.listing(ticket.key)
        now = self._clock()
        order = EngineOrder(
            order_id="",
            key=ticket.key,
            side=ticket.side,
            quantity=ticket.quantity,
            order_type=ticket.order_type,
            product=ticket.product,
            price=ticket.price if ticket.order_type in PRICED_TYPES else None,
            trigger_price=ticket.trigger_price if ticket.order_type in STOP_TYPES else None,
            tag=ticket.tag,
            state=OrderState.OPEN,
            placed_at=now,
            updated_at=now,
            after_market=ticket.after_market,
            immediate_or_cancel=ticket.immediate_or_cancel,
            book_product=ticket.book_product,
            extra=dict(ticket.extra),
        )
        try:
            self.check(ticket)
        except EngineError as refusal:
            if refusal.reason not in self.booked_refusals:
                raise
            problem: tuple[RejectReason, str] | None = (refusal.reason, refusal.message)
        else:
            problem = self._risk_problem(order, listing)
        order.order_id = ticket.order_id or self._order_ids()
        self.orders[order.order_id] = order
        if problem is not None:
            order.state = OrderState.REJECTED
            order.reject_reason, order.reason = problem
            return order
        if order.order_type in STOP_TYPES:
            order.state = OrderState.TRIGGER_PENDING
        self._match(order, listing, resting=False)
        return order

    def check(self, ticket: OrderTicket) -> None:
        """Refuse, with ``EngineError``, a ticket ``place`` would refuse, without placing it
        (the risk checks, which book a rejection, are not run)."""
        listing = self.listing(ticket.key)
        if not listing.tradable:
            raise EngineError(RejectReason.NOT_TRADABLE, f"{ticket.key} is not open for trading")
        check_shape(
            listing,
            ticket.side,
            ticket.quantity,
            ticket.order_type,
            ticket.price,
            ticket.trigger_price,
        )

    def modify(
        self,
        order_id: str,
        *,
        quantity: int | None = None,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        order_type: OrderType | None = None,
    ) -> EngineOrder:
        """Change a live order; the changed order is checked like a new one."""
        order = self.order(order_id)
        if not order.live:
            raise EngineError(RejectReason.NOT_OPEN, f"order {order_id} is {order.state.value}")
        listing = self.listing(order.key)
        new_type = order_type or order.order_type
        new_quantity = quantity if quantity is not None else order.quantity
        new_price = price if price is not None else order.price
        new_trigger = trigger_price if trigger_price is not None else order.trigger_price
        check_shape(listing, order.side, new_quantity, new_type, new_price, new_trigger)
        if new_quantity <= order.filled_quantity:
            raise EngineError(
                RejectReason.BAD_QUANTITY,
                f"quantity {new_quantity} is not above the filled {order.filled_quantity}",
            )
        changed = EngineOrder(
            **{
                **order.__dict__,
                "quantity": new_quantity,
                "order_type": new_type,
                "price": new_price if new_type in PRICED_TYPES else None,
                "trigger_price": new_trigger if new_type in STOP_TYPES else None,
            }
        )
        problem = self._risk_problem(changed, listing, replacing=order)
        if problem is not None:
            raise EngineError(problem[0], problem[1])
        order.quantity, order.order_type = changed.quantity, changed.order_type
        order.price, order.trigger_price = changed.price, changed.trigger_price
        if order.state is OrderState.OPEN and new_type in STOP_TYPES:
            order.state = OrderState.TRIGGER_PENDING
        elif order.state is OrderState.TRIGGER_PENDING and new_type not in STOP_TYPES:
            order.state = OrderState.OPEN
        order.updated_at = self._clock()
        self._match(order, listing, resting=False)
        return order

    def modify_to(self, order_id: str, ticket: OrderTicket) -> EngineOrder:
        """``modify`` to the quantity, prices and type of ``ticket`` (a broker whose modify
        replaces the whole order)."""
        return self.modify(
            order_id,
            quantity=ticket.quantity,
            price=ticket.price,
            trigger_price=ticket.trigger_price,
            order_type=ticket.order_type,
        )

    def cancel(self, order_id: str) -> EngineOrder:
        order = self.order(order_id)
        if not order.live:
            raise EngineError(RejectReason.NOT_OPEN, f"order {order_id} is {order.state.value}")
        order.state = OrderState.CANCELLED
        order.updated_at = self._clock()
        return order

    def open_market(self) -> list[Fill]:
        """The session opens: after-market orders join the book and match."""
        before = len(self.fills)
        for order in [o for o in self.orders.values() if o.after_market and o.live]:
            order.after_market = False
            self._match(order, self.listings[order.key], resting=False)
        return self.fills[before:]

    def set_price(self, key: str, price: Decimal) -> list[Fill]:
        """Move the market: stops whose trigger is reached fire, limits it reaches fill."""
        listing = self.listing(key)
        listing.last_price = price
        before = len(self.fills)
        for order in [o for o in self.orders.values() if o.key == key and o.live]:
            self._match(order, listing, resting=True)
        return self.fills[before:]

    # -- after the acknowledgement ---------------------------------------------------------
    def reject_after_ack(self, order_id: str, reason: str) -> EngineOrder:
        """The risk system rejects an acknowledged, live order with ``reason`` (an RMS rule
        applied after the ack); what has already traded stays traded."""
        order = self._live_order(order_id)
        order.state = OrderState.REJECTED
        order.reason = reason
        order.updated_at = self._clock()
        return order

    def fill_partly(self, order_id: str, quantity: int, price: Decimal | None = None) -> Fill:
        """``quantity`` more of a live order trades at ``price`` (the last price unless
        given); the order stays live until all of it has traded, then it is FILLED."""
        order = self._live_order(order_id)
        if quantity <= 0 or quantity > order.pending_quantity:
            raise EngineError(
                RejectReason.BAD_QUANTITY,
                f"cannot fill {quantity} of order {order_id}: {order.pending_quantity} are pending",
            )
        if order.state is OrderState.TRIGGER_PENDING:
            order.state = OrderState.OPEN
        return self._fill(order, price or self.listings[order.key].last_price, quantity)

    def expire_day(self) -> list[EngineOrder]:
        """The trading day ends: every live order expires, except after-market orders,
        which wait for the next session."""
        now = self._clock()
        expired = []
        for order in self.orders.values():
            if order.live and not order.after_market:
                order.state = OrderState.EXPIRED
                order.reason = "expired at the end of the trading day"
                order.updated_at = now
                expired.append(order)
        return expired

    def _live_order(self, order_id: str) -> EngineOrder:
        order = self.order(order_id)
        if not order.live:
            raise EngineError(RejectReason.NOT_OPEN, f"order {order_id} is {order.state.value}")
        return order

    # -- funds and portfolio ---------------------------------------------------------------
    def funds(self) -> FundsView:
        realized = sum((p.realized for p in self.positions.values()), Decimal(0))
        used = Decimal(0)
        for position in self.positions.values():
            if position.product is Product.CNC:
                used += position.bought_value - position.sold_value + position.realized
            else:  # margin on the open quantity
                price = position.average_buy or position.average_sell or Decimal(0)
                rate = self._rate(position.product, position.key, position.book_product)
                used += abs(position.net_quantity) * price * rate
        blocked = sum((self._blocked_by(o) for o in self.orders.values()), Decimal(0))
        return FundsView(opening=self.cash, realized=realized, blocked=blocked, used=used)

    def open_positions(self) -> list[PositionBook]:
        return [p for p in self.positions.values() if p.bought or p.sold]

    # -- rules -----------------------------------------------------------------------------
    def _rate(self, product: Product, key: str | None = None, book_product: str = "") -> Decimal:
        listing = self.listings.get(key) if key is not None else None
        if listing is not None and listing.margin_rate is not None:
            return listing.margin_rate
        if book_product in self.product_rates:
            return self.product_rates[book_product]
        return self.margin_rates.get(product, Decimal(1))

    def required_margin(self, ticket: OrderTicket) -> Decimal:
        """What an order like ``ticket`` would block (a broker's margin calculator); a
        ticket ``place`` would refuse is refused alike with ``EngineError``."""
        self.check(ticket)
        last = self.listings[ticket.key].last_price
        price = reference_price(ticket.order_type, ticket.price, ticket.trigger_price, last)
        return ticket.quantity * price * self._rate(ticket.product, ticket.key, ticket.book_product)

    def margin_for(self, order: EngineOrder) -> Decimal:
        """What the risk checks block for the unfilled part of ``order`` (what a fake's
        margin calculator answers)."""
        return (
            order.pending_quantity
            * self._reference_price(order)
            * self._rate(order.product, order.key, order.book_product)
        )

    def _reference_price(self, order: EngineOrder) -> Decimal:
        last = self.listings[order.key].last_price
        return reference_price(order.order_type, order.price, order.trigger_price, last)

    def _blocked_by(self, order: EngineOrder) -> Decimal:
        if not order.live or (order.side is Side.SELL and order.product is Product.CNC):
            return Decimal(0)
        return self.margin_for(order)

    def _risk_problem(
        self, order: EngineOrder, listing: Listing, replacing: EngineOrder | None = None
    ) -> tuple[RejectReason, str] | None:
        if order.order_type in STOP_TYPES and order.trigger_price is not None:
            last = listing.last_price
            if stop_already_hit(order.side, order.trigger_price, last):
                where = "above" if order.side is Side.BUY else "below"
                return (
                    RejectReason.TRIGGER_SIDE,
                    f"RMS: trigger {order.trigger_price} must be {where} the last price {last}",
                )
        if order.side is Side.SELL and order.product is Product.CNC:
            return self._holdings_problem(order, replacing) if self.check_holdings else None
        funds = self.funds()
        freed = self._blocked_by(replacing) if replacing is not None else Decimal(0)
        need = self.margin_for(order)
        if need > funds.available + freed:
            return (
                RejectReason.INSUFFICIENT_FUNDS,
                f"RMS: margin {need:.2f} exceeds available funds {funds.available + freed:.2f}",
            )
        return None

    def _holdings_problem(
        self, order: EngineOrder, replacing: EngineOrder | None
    ) -> tuple[RejectReason, str] | None:
        lot = self.holdings.get(order.key)
        owned = lot.quantity if lot is not None else 0
        owned += sum(
            p.net_quantity
            for (key, product, _), p in self.positions.items()
            if key == order.key and product is Product.CNC
        )
        committed = sum(
            o.pending_quantity
            for o in self.orders.values()
            if o.key == order.key
            and o.side is Side.SELL
            and o.product is Product.CNC
            and o.order_id not in (order.order_id, replacing.order_id if replacing else "")
        )
        if order.pending_quantity > owned - committed:
            return (
                RejectReason.INSUFFICIENT_HOLDINGS,
                f"RMS: selling {order.pending_quantity} of {order.key} but {owned - committed} "
                "are free to sell",
            )
        return None

    def _match(self, order: EngineOrder, listing: Listing, *, resting: bool) -> None:
        if order.after_market:
            return
        last = listing.last_price
        if order.state is OrderState.TRIGGER_PENDING:
            assert order.trigger_price is not None
            if not stop_hit(order.side, order.trigger_price, last):
                return
            order.state = OrderState.OPEN
            if order.order_type is OrderType.SL_M:
                self._fill(order, last)
                return
            resting = False  # a triggered stop-limit arrives in the book now
        if order.state is not OrderState.OPEN:
            return
        if order.order_type in (OrderType.MARKET, OrderType.SL_M):
            self._fill(order, last)
            return
        assert order.price is not None
        if limit_crossed(order.side, order.price, last):
            self._fill(order, order.price if resting else last)
        elif not resting and order.immediate_or_cancel:
            order.state = OrderState.CANCELLED
            order.reason = "IOC order not filled on arrival"
            order.updated_at = self._clock()

    def _fill(self, order: EngineOrder, price: Decimal, quantity: int | None = None) -> Fill:
        """Trade ``quantity`` of ``order`` (all that is pending unless given) at ``price``."""
        quantity = quantity or order.pending_quantity
        now = self._clock()
        fill = Fill(
            trade_id=self._trade_ids(),
            order_id=order.order_id,
            key=order.key,
            side=order.side,
            product=order.product,
            quantity=quantity,
            price=price,
            at=now,
            book_product=order.book_product,
        )
        self.fills.append(fill)
        previous = (order.average_price or Decimal(0)) * order.filled_quantity
        order.filled_quantity += quantity
        order.average_price = (previous + price * quantity) / order.filled_quantity
        if order.filled_quantity == order.quantity:
            order.state = OrderState.FILLED
        order.updated_at = now
        book = self.positions.setdefault(
            (order.key, order.product, order.book_product),
            PositionBook(key=order.key, product=order.product, book_product=order.book_product),
        )
        book.add_fill(order.side, quantity, price)
        return fill
