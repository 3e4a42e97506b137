"""``PaperBroker``: the simulated exchange and broker of one paper account.

Pure synchronous state: instrument master, price feed, order book, trades, ledger, login
desk, fault injector and call recorder. Given a seed and an explicit sequence of price moves
it behaves identically every time.

Matching: a MARKET order fills at the last price. A LIMIT order that can trade on arrival
fills at the last price; one that rests fills at its own limit when the price crosses it. A
stop (SL, SL-M) rests as TRIGGER_PENDING until the price reaches its trigger, then arrives
as a limit (SL) or market (SL-M) order. IOC orders that cannot trade on arrival are
cancelled. After-market orders (``amo``) wait as PENDING until ``release_amo()``.
Orders fill in full; there are no partial fills.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.clock import IST
from ordo.adapters.errors import (
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
)
from ordo.domain import (
    Funds,
    Holding,
    Instrument,
    Order,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Quote,
    Side,
    SymbolRef,
    Trade,
    Validity,
)
from pydantic import ValidationError

from ordo_adapter_mock import rules
from ordo_adapter_mock.auth import SessionDesk
from ordo_adapter_mock.calls import CallRecorder
from ordo_adapter_mock.faults import FaultInjector, Latency
from ordo_adapter_mock.instruments import Listing, seeded_listings
from ordo_adapter_mock.ledger import Ledger
from ordo_adapter_mock.prices import Key, PriceFeed, key_of
from ordo_adapter_mock.settings import MockSettings


@dataclass(slots=True)
class _Entry:
    """An order with the broker-private state behind it."""

    order: Order
    instrument: Instrument
    key: Key
    blocked: Decimal = Decimal(0)
    awaiting_session: bool = False
    """An AMO not yet released to the exchange."""
    triggered: bool = False


def _request_of(order: Order, amo: bool) -> OrderRequest:
    return OrderRequest(
        exchange=order.exchange,
        symbol=order.symbol,
        side=order.side,
        quantity=order.quantity,
        order_type=order.order_type,
        product=order.product,
        validity=order.validity,
        price=order.price,
        trigger_price=order.trigger_price,
        amo=amo,
    )


class PaperBroker:
    """Simulated broker state for one account. See the module docstring for matching."""

    def __init__(
        self,
        *,
        listings: Sequence[Listing] | None = None,
        as_of: date | None = None,
        starting_cash: Decimal = Decimal("10000000"),
        seed: int = 0,
        volatility: float = 0.002,
        desk: SessionDesk | None = None,
        faults: FaultInjector | None = None,
        latency: Latency | None = None,
        calls: CallRecorder | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        if listings is None:
            listings = seeded_listings(as_of or self.clock().astimezone(IST).date())
        self._instruments: dict[Key, Instrument] = {
            (item.instrument.exchange, item.instrument.symbol): item.instrument for item in listings
        }
        self.prices = PriceFeed(listings, seed=seed, volatility=volatility, clock=self.clock)
        self.prices.subscribe(self._on_price)
        self.ledger = Ledger(starting_cash)
        self.auth = desk or SessionDesk(clock=self.clock)
        self.faults = faults or FaultInjector(seed=seed)
        self.latency = latency or Latency(seed=seed)
        self.calls = calls or CallRecorder()
        self._orders: dict[str, _Entry] = {}
        self._open: dict[Key, dict[str, _Entry]] = {}
        self._by_tag: dict[str, list[str]] = {}
        self._trades: list[Trade] = []
        self._blocked = Decimal(0)
        self._order_ids = itertools.count(1)
        self._trade_ids = itertools.count(1)

    @classmethod
    def from_settings(cls, settings: MockSettings, **overrides: Any) -> PaperBroker:
        """A broker configured by ``settings``; keyword ``overrides`` win (e.g. ``clock``)."""
        clock = overrides.get("clock")
        options: dict[str, Any] = {
            "as_of": settings.as_of,
            "starting_cash": settings.starting_cash,
            "seed": settings.seed,
            "volatility": settings.price_volatility,
            "desk": SessionDesk(
                otp=settings.login_otp,
                challenge_ttl=settings.challenge_ttl_seconds,
                session_ttl=settings.session_ttl_seconds,
                user_id=settings.user_id,
                clock=clock,
            ),
            "faults": FaultInjector(
                seed=settings.seed,
                probabilities=settings.faults.probabilities(),
                retry_after=settings.faults.retry_after_seconds,
            ),
            "latency": Latency(settings.latency_ms, settings.latency_jitter_ms, seed=settings.seed),
        }
        options.update(overrides)
        return cls(**options)

    # -- instruments and prices ------------------------------------------------------
    def instrument(self, ref: SymbolRef) -> Instrument:
        try:
            return self._instruments[key_of(ref)]
        except KeyError:
            raise InstrumentNotFound(f"{ref} is not in the paper broker's master") from None

    def instruments(self) -> list[Instrument]:
        return list(self._instruments.values())

    def search(self, query: str, limit: int = 20) -> list[Instrument]:
        """Instruments whose symbol or name contains ``query`` (case-insensitive); symbol
        prefix matches first."""
        text = query.strip().upper()
        hits = [i for i in self._instruments.values() if text in i.symbol or text in i.name.upper()]
        hits.sort(key=lambda i: (not i.symbol.startswith(text), len(i.symbol), i.symbol))
        return hits[: max(limit, 0)]

    def last_price(self, ref: SymbolRef) -> Decimal:
        return self.prices.last(self.instrument(ref).ref)

    def quote(self, ref: SymbolRef) -> Quote:
        self.instrument(ref)
        return self.prices.quote(ref)

    def set_price(self, ref: SymbolRef | str, price: Decimal | int | str) -> Decimal:
        """Move the market; resting orders on ``ref`` that now trade are filled."""
        return self.prices.set_price(self._ref(ref), price)

    def tick(self, steps: int = 1) -> None:
        """Random-walk every price ``steps`` times, matching after each move."""
        self.prices.tick(steps)

    @staticmethod
    def _ref(ref: SymbolRef | str) -> SymbolRef:
        return SymbolRef.parse(ref) if isinstance(ref, str) else ref

    # -- sessions ----------------------------------------------------------------------
    def expire_sessions(self) -> None:
        """End every session at the broker, as a daily token expiry does."""
        self.auth.expire_all()

    # -- portfolio -----------------------------------------------------------------------
    def funds(self) -> Funds:
        return self.ledger.funds(self._blocked)

    def positions(self) -> list[Position]:
        return self.ledger.positions(self.prices.last)

    def holdings(self) -> list[Holding]:
        return self.ledger.holdings(self.prices.last)

    def add_holding(self, ref: SymbolRef | str, quantity: int, average_price: Decimal) -> None:
        """Seed a delivery holding bought on an earlier day (no cash moves)."""
        instrument = self.instrument(self._ref(ref))
        key = (instrument.exchange, instrument.symbol)
        self.ledger.add_holding(key, quantity, Decimal(average_price), instrument.isin)

    # -- order book ------------------------------------------------------------------
    def order(self, order_id: str) -> Order:
        return self._entry(order_id).order

    def orders(self) -> list[Order]:
        return [entry.order for entry in self._orders.values()]

    def open_orders(self) -> list[Order]:
        return [e.order for book in self._open.values() for e in book.values()]

    def orders_by_tag(self, tag: str) -> list[Order]:
        return [self._orders[oid].order for oid in self._by_tag.get(tag, ())]

    def trades(self) -> list[Trade]:
        return list(self._trades)

    def _entry(self, order_id: str) -> _Entry:
        try:
            return self._orders[order_id]
        except KeyError:
            raise OrderNotFound(f"order {order_id!r} is not in the paper order book") from None

    # -- placing ---------------------------------------------------------------------
    def place(self, request: OrderRequest, tag: str | None = None) -> Order:
        """Accept ``request`` into the book and match it.

        Raises ``InstrumentNotFound`` for an unknown symbol (nothing is booked). A request
        the RMS refuses is booked as REJECTED, then ``InsufficientFunds`` or
        ``OrderRejected`` is raised with the order id in its message."""
        instrument = self.instrument(SymbolRef(exchange=request.exchange, symbol=request.symbol))
        key = (instrument.exchange, instrument.symbol)
        now = self.clock()
        order = Order(
            order_id=f"PB{next(self._order_ids):010d}",
            exchange=request.exchange,
            symbol=request.symbol,
            side=request.side,
            quantity=request.quantity,
            order_type=request.order_type,
            product=request.product,
            validity=request.validity,
            price=request.price,
            trigger_price=request.trigger_price,
            status=OrderStatus.PENDING,
            tag=tag,
            placed_at=now,
            updated_at=now,
        )
        entry = _Entry(order, instrument, key, awaiting_session=request.amo)
        self._orders[order.order_id] = entry
        if tag is not None:
            self._by_tag.setdefault(tag, []).append(order.order_id)

        last = self.prices.last(key)
        problem = rules.order_problem(instrument, request)
        if problem is None and request.trigger_price is not None and not request.amo:
            problem = rules.stop_problem(request.side, request.trigger_price, last)
        amount = Decimal(0)
        if problem is None:
            amount, problem = self._requirement(entry, request, last)
        if problem is not None:
            self._update(entry, status=OrderStatus.REJECTED, status_message=problem.message)
            error = InsufficientFunds if problem.code == "FUNDS" else OrderRejected
            raise error(
                f"order {order.order_id} rejected: {problem.message}", broker_code=problem.code
            )

        self._block(entry, amount)
        self._open.setdefault(key, {})[order.order_id] = entry
        if request.amo:
            self._update(entry, status_message="after-market order queued for the next session")
            return entry.order
        self._arrive(entry, last)
        return entry.order

    def _requirement(
        self, entry: _Entry, request: OrderRequest, last: Decimal
    ) -> tuple[Decimal, rules.Problem | None]:
        """Money to block for ``request`` and any RMS problem with funds or holdings.

        Only the part of an order that opens or grows a position needs money: a SELL
        covered by holdings or a long, or a BUY covering a short, needs none."""
        covered = min(request.quantity, self._coverable(entry, request.side, request.product))
        uncovered = request.quantity - covered
        if uncovered and request.side is Side.SELL and request.product is Product.CNC:
            free = covered
            return Decimal(0), rules.Problem(
                "HOLDINGS",
                f"insufficient holdings: {free} free to sell, order is for {request.quantity}",
            )
        price = rules.reference_price(
            request.order_type, request.price, request.trigger_price, last
        )
        amount = price * uncovered
        available = self.funds().available + entry.blocked
        if amount > available:
            return amount, rules.Problem(
                "FUNDS",
                f"insufficient funds: order needs INR {amount:.2f}, available INR {available:.2f}",
            )
        return amount, None

    def _coverable(self, entry: _Entry, side: Side, product: Product) -> int:
        """Quantity an order on ``side`` can take from existing holdings or positions,
        net of other open orders already claiming it."""
        claimed = sum(
            other.order.quantity
            for other in self._open.get(entry.key, {}).values()
            if other is not entry and other.order.side is side and other.order.product is product
        )
        net = self.ledger.net_quantity(entry.key, product)
        if side is Side.SELL:
            have = self.ledger.holding_quantity(entry.key) if product is Product.CNC else net
        else:
            have = 0 if product is Product.CNC else -net
        return max(0, have - claimed)

    # -- modifying and cancelling ----------------------------------------------------
    def modify(self, order_id: str, changes: OrderModification) -> Order:
        """Change an open order. A refused modification leaves the order as it was."""
        entry = self._entry(order_id)
        self._require_open(entry, "modified")
        current = entry.order
        order_type = changes.order_type or current.order_type
        price = changes.price if changes.price is not None else current.price
        trigger = (
            changes.trigger_price if changes.trigger_price is not None else current.trigger_price
        )
        # Switching type drops the prices the new type does not take.
        if order_type in (OrderType.MARKET, OrderType.SL_M):
            price = None if changes.price is None else price
        if order_type in (OrderType.MARKET, OrderType.LIMIT):
            trigger = None if changes.trigger_price is None else trigger
        fields: dict[str, Any] = {
            "quantity": changes.quantity or current.quantity,
            "order_type": order_type,
            "price": price,
            "trigger_price": trigger,
            "validity": changes.validity or current.validity,
        }
        try:
            request = _request_of(current.model_copy(update=fields), entry.awaiting_session)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise InvalidRequest(f"modification of {order_id} is invalid: {reason}") from None
        last = self.prices.last(entry.key)
        stop_changed = order_type != current.order_type or trigger != current.trigger_price
        rearm = order_type in rules.STOP_TYPES and (stop_changed or not entry.triggered)
        problem = rules.order_problem(entry.instrument, request)
        if problem is None and rearm and trigger is not None and not entry.awaiting_session:
            problem = rules.stop_problem(request.side, trigger, last)
        amount = Decimal(0)
        if problem is None:
            amount, problem = self._requirement(entry, request, last)
        if problem is not None:
            error = InsufficientFunds if problem.code == "FUNDS" else OrderRejected
            raise error(
                f"modification of {order_id} rejected: {problem.message}", broker_code=problem.code
            )
        self._release(entry)
        self._block(entry, amount)
        if rearm:
            entry.triggered = False
        self._update(entry, status_message="modified", **fields)
        if not entry.awaiting_session:
            self._arrive(entry, last)
        return entry.order

    def cancel(self, order_id: str) -> Order:
        entry = self._entry(order_id)
        self._require_open(entry, "cancelled")
        self._close(entry, OrderStatus.CANCELLED, "cancelled by the user")
        return entry.order

    def release_amo(self) -> list[Order]:
        """Open the next session: queued after-market orders reach the exchange."""
        released: list[Order] = []
        for entry in [e for book in self._open.values() for e in book.values()]:
            if entry.awaiting_session:
                entry.awaiting_session = False
                last = self.prices.last(entry.key)
                trigger = entry.order.trigger_price
                problem = None
                if trigger is not None:
                    problem = rules.stop_problem(entry.order.side, trigger, last)
                if problem is not None:
                    self._close(entry, OrderStatus.REJECTED, problem.message)
                else:
                    self._arrive(entry, last)
                released.append(entry.order)
        return released

    def _require_open(self, entry: _Entry, verb: str) -> None:
        status = entry.order.status
        if status.is_terminal:
            raise OrderRejected(
                f"order {entry.order.order_id} is {status.value} and cannot be {verb}",
                broker_code="ORDER_CLOSED",
            )

    # -- matching --------------------------------------------------------------------
    def _on_price(self, key: Key, last: Decimal) -> None:
        book = self._open.get(key)
        if not book:
            return
        for entry in list(book.values()):  # time priority: insertion order
            if not entry.awaiting_session:
                self._evaluate(entry, last, arriving=False)

    def _arrive(self, entry: _Entry, last: Decimal) -> None:
        order = entry.order
        if order.order_type in rules.STOP_TYPES and not entry.triggered:
            self._update(entry, status=OrderStatus.TRIGGER_PENDING)
        else:
            self._update(entry, status=OrderStatus.OPEN)
        self._evaluate(entry, last, arriving=True)

    def _evaluate(self, entry: _Entry, last: Decimal, *, arriving: bool) -> None:
        order = entry.order
        if order.order_type in rules.STOP_TYPES and not entry.triggered:
            if order.trigger_price is None or not rules.stop_hit(
                order.side, order.trigger_price, last
            ):
                return
            entry.triggered = True
            arriving = True  # a triggered stop reaches the exchange as a fresh order
            self._update(entry, status=OrderStatus.OPEN, status_message="triggered")
        if order.order_type in (OrderType.MARKET, OrderType.SL_M) or order.price is None:
            self._fill(entry, last)
        elif rules.limit_crossed(order.side, order.price, last):
            self._fill(entry, last if arriving else order.price)
        elif arriving and order.validity is Validity.IOC:
            self._close(entry, OrderStatus.CANCELLED, "IOC order cancelled: no match")

    def _fill(self, entry: _Entry, price: Decimal) -> None:
        order = entry.order
        self._release(entry)
        self._remove_open(entry)
        self.ledger.apply_fill(
            entry.key, order.side, order.product, order.quantity, price, entry.instrument.isin
        )
        self.prices.add_volume(entry.key, order.quantity)
        now = self.clock()
        self._trades.append(
            Trade(
                trade_id=f"PT{next(self._trade_ids):010d}",
                order_id=order.order_id,
                exchange=order.exchange,
                symbol=order.symbol,
                side=order.side,
                quantity=order.quantity,
                price=price,
                product=order.product,
                traded_at=now,
                tag=order.tag,
            )
        )
        self._update(
            entry,
            status=OrderStatus.FILLED,
            filled_quantity=order.quantity,
            average_price=price,
            status_message="filled",
        )

    # -- bookkeeping -----------------------------------------------------------------
    def _close(self, entry: _Entry, status: OrderStatus, message: str) -> None:
        self._release(entry)
        self._remove_open(entry)
        self._update(entry, status=status, status_message=message)

    def _remove_open(self, entry: _Entry) -> None:
        book = self._open.get(entry.key)
        if book is not None:
            book.pop(entry.order.order_id, None)

    def _block(self, entry: _Entry, amount: Decimal) -> None:
        entry.blocked = amount
        self._blocked += amount

    def _release(self, entry: _Entry) -> None:
        self._blocked -= entry.blocked
        entry.blocked = Decimal(0)

    def _update(self, entry: _Entry, **fields: Any) -> None:
        fields["updated_at"] = self.clock()
        entry.order = entry.order.model_copy(update=fields)
