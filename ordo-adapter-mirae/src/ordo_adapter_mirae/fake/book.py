"""The fake m.Stock order book: m.Stock's form fields, refusals, statuses and rows over
Ordo's neutral matching engine (``ordo_testing.matching``), which owns the book, fills,
funds, day positions and holdings. ``fake.state`` adds logins and limits, ``fake.app`` the
HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo.domain import Product, Side
from ordo.domain.matching import STOP_TYPES
from ordo_testing.matching import (
    EngineError,
    EngineOrder,
    HoldingLot,
    Listing,
    MatchingEngine,
    OrderTicket,
    RejectReason,
)

from ordo_adapter_mirae.fake.rows import (
    DERIVATIVE_MARGIN,
    MODIFY_FIELDS,
    NO_ORDER_MESSAGE,
    ORDER_TYPES,
    PLACE_FIELDS,
    PRODUCTS,
    VARIETIES,
    FakeError,
    FakeScrip,
    history_rows,
    holding_row,
    load_scrips,
    money,
    order_row,
    position_row,
    status_of,
    trade_row,
)

FULL_VALUE = {product: Decimal(1) for product in Product}
"""m.Stock's RMS blocks an equity order's full value, whatever the product; a derivative
blocks ``DERIVATIVE_MARGIN`` of it (per listing)."""
HOLDINGS = {
    "NSE:SBIN-EQ": ("STATE BANK OF INDIA", "INE062A01020", 10, 0, Decimal("650.00")),
    "NSE:INFY-EQ": ("INFOSYS LIMITED", "INE009A01021", 5, 2, Decimal("1400.00")),
}
"""Seeded holdings: name, ISIN, settled and T1 quantity, average price."""


def key_of(scrip: FakeScrip) -> str:
    return f"{scrip.exchange}:{scrip.tradingsymbol}"


class OrderBook:
    """One account's book: m.Stock's view of a ``MatchingEngine``."""

    def __init__(
        self,
        master_csv: str,
        *,
        available_funds: Decimal,
        first_order_id: int,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        scrips = load_scrips(master_csv)
        self.scrips = scrips
        self.by_key = {key_of(scrip): scrip for scrip in scrips.values()}
        order_numbers = itertools.count(first_order_id + 1)
        trade_numbers = itertools.count(1)
        self.engine = MatchingEngine(
            [
                Listing(
                    key_of(s),
                    s.last_price,
                    s.lot_size,
                    s.tick_size,
                    s.tradable,
                    margin_rate=DERIVATIVE_MARGIN if s.derivative else None,
                )
                for s in scrips.values()
            ],
            cash=available_funds,
            holdings=[HoldingLot(key, q, avg) for key, (_, _, q, _, avg) in HOLDINGS.items()],
            margin_rates=FULL_VALUE,
            order_ids=lambda: str(next(order_numbers)),
            trade_ids=lambda: f"T{next(trade_numbers):011d}",
            clock=wall_clock,
        )

    @property
    def orders(self) -> dict[str, EngineOrder]:
        return self.engine.orders

    def set_last_price(self, exchange: str, tradingsymbol: str, price: Decimal) -> None:
        self.engine.set_price(key_of(self.scrips[(exchange, tradingsymbol)]), price)

    # -- portfolio and quotes ----------------------------------------------------------
    def fund_rows(self) -> list[dict[str, Any]]:
        funds = self.engine.funds()
        utilised = funds.blocked + funds.used
        return [
            {
                "ADDITIONAL_MARGIN": "0.00",
                "ADHOC_LIMIT": "0.00",
                "AMOUNT_UTILIZED": money(utilised),
                "AVAILABLE_BALANCE": money(funds.available),
                "BANK_HOLDING": None,
                "CLEAR_BALANCE": money(funds.opening),
                "COLLATERALS": "25000.00",
                "LIMIT_SOD": money(funds.opening),
                "LIMIT_TYPE": "CAPITAL",
                "MF_COLLATERAL": "None",
                "MTF_AVAILABLE_BALANCE": "0.00",
                "MTF_COLLATERAL": "0.00",
                "MTF_UTILIZE": "0.00",
                "MTM_COMBINED": "0.00",
                "OFS_UTILIZED": "0.00",
                "OPT_BUY_PRIMIUM_UTILIZE": "0.00",
                "PAY_OUT_AMT": "0.00",
                "PEAK_MARGIN": "0.00",
                "PHYSICAL_MARGIN": "0.00",
                "REALISED_PROFITS": money(funds.realized),
                "RECEIVABLES": "0.00",
                "SEG": "A",
                "SUM_OF_ALL": money(funds.opening + Decimal(25000)),
                "UNCLEAR_BALANCE": "0.00",
            }
        ]

    def holdings(self) -> list[dict[str, Any]]:
        rows = []
        for lot in self.engine.holdings.values():
            name, isin, _, t1, _ = HOLDINGS[lot.key]
            rows.append(
                holding_row(self.by_key[lot.key], name, isin, lot.quantity, t1, lot.average_price)
            )
        return rows

    def positions(self) -> dict[str, Any]:
        rows = [position_row(p, self.by_key[p.key]) for p in self.engine.open_positions()]
        return {"net": rows, "day": None}

    def quote(self, key: str, with_ohlc: bool) -> dict[str, Any] | None:
        exchange, _, symbol = key.partition(":")
        scrip = self.scrips.get((exchange, symbol))
        if scrip is None:
            return None
        last = self.engine.listings[key_of(scrip)].last_price
        entry: dict[str, Any] = {"instrument_token": int(scrip.token), "last_price": float(last)}
        if with_ohlc:
            cent = Decimal("0.01")
            entry["ohlc"] = {
                "open": float(last),
                "high": float((last * Decimal("1.01")).quantize(cent)),
                "low": float((last * Decimal("0.99")).quantize(cent)),
                "close": float((last * Decimal("0.995")).quantize(cent)),
            }
        return entry

    # -- orders -------------------------------------------------------------------------
    def ticket(self, variety: str, form: dict[str, str]) -> OrderTicket:
        """An engine ticket from a place-order form, after m.Stock's own field checks."""
        if variety not in VARIETIES:
            raise FakeError("InputException", f"Invalid variety {variety}", 400)
        for name in PLACE_FIELDS:
            if not form.get(name):
                raise FakeError("InputException", f"{name} is mandatory", 400)
        scrip = self._scrip(form["exchange"], form["tradingsymbol"])
        order_type, side = form["order_type"], form["transaction_type"]
        if order_type not in ORDER_TYPES or side not in ("BUY", "SELL"):
            raise FakeError("InputException", "Invalid order type or transaction type", 400)
        if form["product"] not in PRODUCTS or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid product or validity", 400)
        tag = form.get("tag", "")
        if len(tag) >= 20 or (tag and not tag.isalnum()):
            raise FakeError("InputException", "Tag must be alphanumeric, under 20 characters", 400)
        quantity, price, trigger, disclosed = _numbers(form)
        return OrderTicket(
            key=key_of(scrip),
            side=Side(side),
            quantity=quantity,
            order_type=ORDER_TYPES[order_type],
            product=PRODUCTS[form["product"]],
            price=price or None,
            trigger_price=trigger or None,
            tag=tag or None,
            after_market=variety == "amo",
            immediate_or_cancel=form["validity"] == "IOC",
            book_product=form["product"],
            extra={"validity": form["validity"], "disclosed": disclosed},
        )

    def place(self, variety: str, form: dict[str, str]) -> str:
        ticket = self.ticket(variety, form)
        if not self.engine.listings[ticket.key].tradable:
            raise FakeError("InputException", "Scrip is suspended for trading")
        try:
            order = self.engine.place(ticket)
        except EngineError as error:
            raise _refusal(error, ticket, self.by_key[ticket.key]) from None
        if order.reject_reason is RejectReason.INSUFFICIENT_FUNDS:
            available = self.engine.funds().available
            order.reason = (
                "RMS:Rule: Check available fund limit, FUND LIMIT INSUFFICIENT, "
                f"AVAILABLE FUND={money(available)}, "
                f"ORDER VALUE={money(self.engine.required_margin(ticket))}"
            )
        elif order.reject_reason is not None:
            order.reason = f"RMS:Rule: {order.reason.removeprefix('RMS: ')}"
        return order.order_id

    def required_margin(self, variety: str, form: dict[str, str]) -> Decimal:
        """What the fake's RMS would block for an order form (the margin calculator)."""
        ticket = self.ticket(variety, form)
        try:
            return self.engine.required_margin(ticket)
        except EngineError as error:
            raise _refusal(error, ticket, self.by_key[ticket.key]) from None

    def modify(self, order_id: str, form: dict[str, str]) -> str:
        order = self._open_order(order_id)
        for name in MODIFY_FIELDS:
            if name not in form or form[name] == "":
                # m.Stock replaces the whole order: a field left out is an error.
                raise FakeError("InputException", f"{name} is mandatory", 400)
        if form["order_type"] not in ORDER_TYPES or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid order type or validity", 400)
        quantity, price, trigger, disclosed = _numbers(form)
        if quantity <= order.filled_quantity:
            raise FakeError("InputException", "Quantity cannot be less than traded quantity", 400)
        changed = OrderTicket(
            key=order.key,
            side=order.side,
            quantity=quantity,
            order_type=ORDER_TYPES[form["order_type"]],
            price=price,
            trigger_price=trigger,
        )
        try:
            self.engine.modify_to(order_id, changed)
        except EngineError as error:
            raise _refusal(error, changed, self.by_key[order.key]) from None
        order.extra.update(validity=form["validity"], disclosed=disclosed, modified=True)
        return order.order_id

    def cancel(self, order_id: str) -> str:
        return self.engine.cancel(self._open_order(order_id).order_id).order_id

    def order_rows(self) -> list[dict[str, Any]]:
        return [order_row(order, self.by_key[order.key]) for order in self.orders.values()]

    def history_rows(self, order_id: str) -> list[dict[str, Any]]:
        """The ``order/details`` rows of one order; none for an order not in the book."""
        order = self.orders.get(order_id)
        if order is None:
            return []
        return history_rows(order, self.by_key[order.key], self.engine.fills_of(order_id))

    def trade_rows(self) -> list[dict[str, Any]]:
        return [
            trade_row(fill, self.orders[fill.order_id], self.by_key[fill.key])
            for fill in self.engine.fills
        ]

    def _open_order(self, order_id: str) -> EngineOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise FakeError("InputException", NO_ORDER_MESSAGE)
        if not order.live:
            raise FakeError(
                "MiraeException", f"Order is {status_of(order)}.Kindly refresh your OrderBook"
            )
        return order

    def _scrip(self, exchange: str, tradingsymbol: str) -> FakeScrip:
        scrip = self.scrips.get((exchange, tradingsymbol))
        if scrip is None and exchange == "NSE":
            scrip = self.scrips.get((exchange, f"{tradingsymbol}-EQ"))
        if scrip is None:
            raise FakeError("InputException", f"Invalid scrip {exchange}:{tradingsymbol}")
        return scrip


def _numbers(form: dict[str, str]) -> tuple[int, Decimal, Decimal, int]:
    try:
        quantity = int(form["quantity"])
        price = Decimal(form.get("price") or "0")
        trigger = Decimal(form.get("trigger_price") or "0")
        disclosed = int(form.get("disclosed_quantity") or "0")
    except (ValueError, InvalidOperation):
        raise FakeError("InputException", "Invalid numeric value", 400) from None
    return quantity, price, trigger, disclosed


def _refusal(error: EngineError, ticket: OrderTicket, scrip: FakeScrip) -> FakeError:
    """m.Stock's error for a request the engine refuses."""
    reason = error.reason
    if reason in (RejectReason.BAD_QUANTITY, RejectReason.LOT_SIZE):
        return FakeError("InputException", f"Quantity must be a multiple of {scrip.lot_size}", 400)
    if reason is RejectReason.TICK_SIZE:
        message = f"Price must be a multiple of tick size {scrip.tick_size}"
        return FakeError("InputException", message, 400)
    no_trigger = ticket.order_type in STOP_TYPES and not ticket.trigger_price
    if reason is RejectReason.BAD_PRICE and no_trigger:
        return FakeError("InputException", "Enter valid trigger price.", 400)
    if reason is RejectReason.BAD_PRICE:
        return FakeError("InputException", "Enter valid price.", 400)
    if reason is RejectReason.NOT_TRADABLE:
        return FakeError("InputException", "Scrip is suspended for trading")
    # Risk refusals of a modification (funds, trigger side): m.Stock's RMS text.
    return FakeError("InputException", f"RMS:Rule: {error.message.removeprefix('RMS: ')}")
