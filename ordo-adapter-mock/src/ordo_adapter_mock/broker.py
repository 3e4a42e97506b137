"""``PaperBroker``: the simulated exchange and broker of one paper account.

Pure synchronous state: instrument master, price feed, order book, trades, ledger, login
desk, fault injector and call recorder. Given a seed and an explicit sequence of price moves
it behaves identically every time.

Matching: a MARKET order fills at the last price. A LIMIT order that can trade on arrival
fills at the last price; one that rests fills at its own limit when the price crosses it. A
stop (SL, SL-M) rests as TRIGGER_PENDING until the price reaches its trigger, then arrives
as a limit (SL) or market (SL-M) order. IOC orders that cannot trade on arrival are
cancelled. After-market orders (``amo``) wait as PENDING until ``release_amo()``.
Orders fill in full; there are no partial fills. A MARKET or SL-M order may carry a
market-protection percentage, the paper broker's protection field (kept on the book entry,
``market_protection``); it fills at the last price, inside any protection band around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.clock import IST
from ordo.adapters.errors import (
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderRejected,
)
from ordo.domain import (
    Funds,
    Holding,
    Instrument,
    Order,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Quote,
    SymbolRef,
    Trade,
    Validity,
)
from ordo.domain.algo import AlgoTag
from ordo.domain.matching import STOP_TYPES, limit_crossed, stop_hit
from pydantic import ValidationError

from ordo_adapter_mock import margin, rules
from ordo_adapter_mock.book import BookEntry, OrderBook
from ordo_adapter_mock.calls import CallRecorder
from ordo_adapter_mock.faults import FaultInjector, Latency
from ordo_adapter_mock.instruments import Listing, seeded_listings
from ordo_adapter_mock.ledger import Ledger
from ordo_adapter_mock.login import SessionDesk
from ordo_adapter_mock.prices import Key, PriceFeed, key_of
from ordo_adapter_mock.settings import MockSettings

REQUEST_FIELDS = frozenset(
    {
        "exchange",
        "symbol",
        "side",
        "quantity",
        "order_type",
        "product",
        "validity",
        "price",
        "trigger_price",
    }
)
"""What an order carries over from its request (and back, when it is re-checked)."""


def _request_of(order: Order, amo: bool) -> OrderRequest:
    return OrderRequest(**order.model_dump(include=set(REQUEST_FIELDS)), amo=amo)


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
        numbers: tuple[Iterator[int], Iterator[int]] | None = None,
    ) -> None:
        """``numbers``: where order and trade numbers come from (``numbering.paper_numbers``
        keeps them unique across restarts); counting from 1 when ``None``."""
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
        order_numbers, trade_numbers = numbers or (None, None)
        self.book = OrderBook(self.clock, order_numbers=order_numbers, trade_numbers=trade_numbers)
        self.algos: dict[str, AlgoTag] = {}
        """The algo metadata each order arrived with (``place_algo_order``), by order id."""

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
        return self.ledger.funds(self.book.blocked)

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
        return self.book.get(order_id).order

    def order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        return self.book.history(order_id)

    def orders(self) -> list[Order]:
        return self.book.orders()

    def open_orders(self) -> list[Order]:
        return [entry.order for entry in self.book.open_entries()]

    def orders_by_tag(self, tag: str) -> list[Order]:
        return self.book.orders_by_tag(tag)

    def trades(self) -> list[Trade]:
        return self.book.trades()

    def required_margin(self, request: OrderRequest) -> Decimal:
        """What ``place`` would block for ``request`` now, booking nothing (the margin
        calculator). Only the part that opens or grows a position needs money."""
        instrument = self.instrument(SymbolRef(exchange=request.exchange, symbol=request.symbol))
        key = (instrument.exchange, instrument.symbol)
        probe = Order(
            **request.model_dump(include=set(REQUEST_FIELDS)),
            order_id="margin-probe",
            status=OrderStatus.PENDING,
        )
        entry = BookEntry(probe, instrument, key)  # never added to the book
        amount, _ = margin.requirement(
            self.book, self.ledger, entry, request, self.prices.last(key)
        )
        return amount

    # -- placing ---------------------------------------------------------------------
    def market_protection(self, order_id: str) -> Decimal | None:
        """The protection percentage order ``order_id`` arrived with (MARKET, SL-M)."""
        return self.book.get(order_id).market_protection_pct

    def place(self, request: OrderRequest, tag: str | None = None) -> Order:
        """Accept ``request`` into the book and match it.

        Raises ``InstrumentNotFound`` for an unknown symbol (nothing is booked). A request
        the RMS refuses is booked as REJECTED, then ``InsufficientFunds`` or
        ``OrderRejected`` is raised with the order id in its message."""
        instrument = self.instrument(SymbolRef(exchange=request.exchange, symbol=request.symbol))
        key = (instrument.exchange, instrument.symbol)
        now = self.clock()
        order = Order(
            **request.model_dump(include=set(REQUEST_FIELDS)),
            order_id=self.book.next_order_id(),
            status=OrderStatus.PENDING,
            tag=tag,
            placed_at=now,
            updated_at=now,
        )
        entry = BookEntry(order, instrument, key, awaiting_session=request.amo)
        if request.order_type in (OrderType.MARKET, OrderType.SL_M):
            entry.market_protection_pct = request.market_protection_pct
        self.book.add(entry)

        last = self.prices.last(key)
        problem = rules.order_problem(instrument, request)
        if problem is None and request.trigger_price is not None and not request.amo:
            problem = rules.stop_problem(request.side, request.trigger_price, last)
        amount = Decimal(0)
        if problem is None:
            amount, problem = margin.requirement(self.book, self.ledger, entry, request, last)
        if problem is not None:
            self._update(entry, status=OrderStatus.REJECTED, status_message=problem.message)
            error = InsufficientFunds if problem.code == "FUNDS" else OrderRejected
            raise error(
                f"order {order.order_id} rejected: {problem.message}", broker_code=problem.code
            )

        self.book.block(entry, amount)
        self.book.open(entry)
        if request.amo:
            self._update(entry, status_message="after-market order queued for the next session")
            return entry.order
        self._arrive(entry, last)
        return entry.order

    # -- modifying and cancelling ----------------------------------------------------
    def modify(self, order_id: str, changes: OrderModification) -> Order:
        """Change an open order. A refused modification leaves the order as it was."""
        entry = self.book.get(order_id)
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
        rearm = order_type in STOP_TYPES and (stop_changed or not entry.triggered)
        problem = rules.order_problem(entry.instrument, request)
        if problem is None and rearm and trigger is not None and not entry.awaiting_session:
            problem = rules.stop_problem(request.side, trigger, last)
        amount = Decimal(0)
        if problem is None:
            amount, problem = margin.requirement(self.book, self.ledger, entry, request, last)
        if problem is not None:
            error = InsufficientFunds if problem.code == "FUNDS" else OrderRejected
            raise error(
                f"modification of {order_id} rejected: {problem.message}", broker_code=problem.code
            )
        self.book.block(entry, amount)
        if rearm:
            entry.triggered = False
        self._update(entry, status_message="modified", **fields)
        if not entry.awaiting_session:
            self._arrive(entry, last)
        return entry.order

    def cancel(self, order_id: str) -> Order:
        entry = self.book.get(order_id)
        self._require_open(entry, "cancelled")
        self._close(entry, OrderStatus.CANCELLED, "cancelled by the user")
        return entry.order

    def release_amo(self) -> list[Order]:
        """Open the next session: queued after-market orders reach the exchange."""
        released: list[Order] = []
        for entry in self.book.open_entries():
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

    def _require_open(self, entry: BookEntry, verb: str) -> None:
        status = entry.order.status
        if status.is_terminal:
            raise OrderRejected(
                f"order {entry.order.order_id} is {status.value} and cannot be {verb}",
                broker_code="ORDER_CLOSED",
            )

    # -- matching --------------------------------------------------------------------
    def _on_price(self, key: Key, last: Decimal) -> None:
        for entry in self.book.open_on(key):  # time priority: insertion order
            if not entry.awaiting_session:
                self._evaluate(entry, last, arriving=False)

    def _arrive(self, entry: BookEntry, last: Decimal) -> None:
        order = entry.order
        if order.order_type in STOP_TYPES and not entry.triggered:
            self._update(entry, status=OrderStatus.TRIGGER_PENDING)
        else:
            self._update(entry, status=OrderStatus.OPEN)
        self._evaluate(entry, last, arriving=True)

    def _evaluate(self, entry: BookEntry, last: Decimal, *, arriving: bool) -> None:
        order = entry.order
        if order.order_type in STOP_TYPES and not entry.triggered:
            if order.trigger_price is None or not stop_hit(order.side, order.trigger_price, last):
                return
            entry.triggered = True
            arriving = True  # a triggered stop reaches the exchange as a fresh order
            self._update(entry, status=OrderStatus.OPEN, status_message="triggered")
        if order.order_type in (OrderType.MARKET, OrderType.SL_M) or order.price is None:
            self._fill(entry, last)
        elif limit_crossed(order.side, order.price, last):
            self._fill(entry, last if arriving else order.price)
        elif arriving and order.validity is Validity.IOC:
            self._close(entry, OrderStatus.CANCELLED, "IOC order cancelled: no match")

    def _fill(self, entry: BookEntry, price: Decimal) -> None:
        order = entry.order
        self.book.close(entry)
        self.ledger.apply_fill(
            entry.key, order.side, order.product, order.quantity, price, entry.instrument.isin
        )
        self.prices.add_volume(entry.key, order.quantity)
        now = self.clock()
        self.book.add_trade(
            Trade(
                trade_id=self.book.next_trade_id(),
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
    def _close(self, entry: BookEntry, status: OrderStatus, message: str) -> None:
        self.book.close(entry)
        self._update(entry, status=status, status_message=message)

    def _update(self, entry: BookEntry, **fields: Any) -> None:
        self.book.update(entry, **fields)
