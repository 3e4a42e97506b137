"""The fake broker's order book, fills and portfolio in InvestRight's formats (order book
``30 APR 2024``/``Call``/``Buy``, positions ``27-JUN-24``, trades ``SELL``), its refusals and
its quirk of showing a new order ``Pending`` for a few reads. Matching, fills, funds, day
positions and holdings are Ordo's neutral engine (``ordo_testing.matching``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordo.adapters.clock import IST
from ordo.domain import Side
from ordo_testing.matching import (
    EngineError,
    HoldingLot,
    Listing,
    MatchingEngine,
    OrderState,
    OrderTicket,
    PositionBook,
    RejectReason,
)

from ordo_adapter_hdfc.fake.reference import echo_reference, reference_refusal
from ordo_adapter_hdfc.fake.wire import (
    FULL_VALUE,
    MODIFY_FIELDS,
    ORDER_TYPES,
    PRODUCTS,
    RIGHT_WORD,
    STATUS,
    Answer,
    book_date,
    camel_row,
    error,
    listing_key,
    money,
    refusal,
    success,
    tick_of,
)

if TYPE_CHECKING:
    from ordo_adapter_hdfc.fake.state import FakeBroker


@dataclass
class FakeOrder:
    """InvestRight's record of an order: the body as sent (the book echoes it), the master
    row, and how many reads still show it ``Pending`` before RMS decides. Its matching state
    is the engine's order of the same id, once RMS has passed it on."""

    order_id: str
    body: dict[str, Any]
    row: dict[str, str]
    placed_at: datetime
    ticket: OrderTicket
    reads_left: int = 1
    modified: bool = False

    @property
    def side(self) -> str:
        return str(self.body["transaction_type"]).upper()


class FakeBook:
    """Orders, trades and funds of the one fake client: InvestRight's view of a
    ``MatchingEngine``."""

    def __init__(self, broker: FakeBroker) -> None:
        self._broker = broker
        self.orders: dict[str, FakeOrder] = {}
        self.rows = {listing_key(row): row for row in broker.rows}
        trade_numbers = itertools.count(1)
        self.engine = MatchingEngine(
            [
                Listing(
                    listing_key(row),
                    broker.initial_ltp(row),
                    max(1, int(row["lot_size"] or 1)),
                    tick_of(row),
                    tradable=not broker.is_index(row),
                )
                for row in broker.rows
            ],
            cash=broker.config.funds,
            holdings=[HoldingLot(key, qty, avg) for key, qty, avg in self._seeded(broker)],
            margin_rates=FULL_VALUE,
            trade_ids=lambda: f"T{next(trade_numbers):012d}",
        )
        self._sequence = 0

    @staticmethod
    def _seeded(broker: FakeBroker) -> list[tuple[str, int, Decimal]]:
        sbin = broker.instrument("NSE", "SBIINDEQNR")
        return [(listing_key(sbin), 10, Decimal("520.5"))] if sbin else []

    def set_price(self, row: dict[str, str], price: Decimal) -> None:
        self.engine.set_price(listing_key(row), price)

    def price_of(self, row: dict[str, str]) -> Decimal:
        listing = self.engine.listings.get(listing_key(row))
        return listing.last_price if listing is not None else Decimal(0)

    def holding(self, row: dict[str, str]) -> HoldingLot | None:
        return self.engine.holdings.get(listing_key(row))

    # -- writes -------------------------------------------------------------------------
    def _validate(self, body: dict[str, Any]) -> tuple[dict[str, str] | None, Answer | None]:
        for name in ("exchange", "security_id", "transaction_type", "product", "order_type"):
            if not str(body.get(name, "")).strip():
                return None, error(400, f"{name} is required")
        row = self._broker.instrument(str(body["exchange"]), str(body["security_id"]))
        if row is None or self._broker.is_index(row):
            return None, (200, {"status": "error", "message": "Invalid security id"})
        if str(body["transaction_type"]).upper() not in ("BUY", "SELL"):
            return None, error(400, "Invalid transaction_type")
        if body["product"] not in PRODUCTS or body["order_type"] not in ORDER_TYPES:
            return None, error(400, "Invalid product or order_type")
        if row["instrument_segment"] != "EQUITY":
            missing = [f for f in ("expiry_date", "underlying_symbol") if not body.get(f)]
            if missing or str(body["expiry_date"]) != row["expiry_date"].replace("-", ""):
                return None, error(400, "Invalid or missing expiry_date/underlying_symbol")
            if row["option_type"] in ("CE", "PE") and body.get("option_type") != row["option_type"]:
                return None, error(400, "Invalid option_type")
        bad_reference = reference_refusal(body.get("external_reference_number"))
        if bad_reference:
            return None, error(400, bad_reference)
        quantity = body.get("quantity")
        if not isinstance(quantity, int) or quantity <= 0:
            return None, error(400, "Invalid quantity")
        return row, None

    def _ticket(self, body: dict[str, Any], row: dict[str, str]) -> OrderTicket:
        product = str(body["product"])
        return OrderTicket(
            key=listing_key(row),
            side=Side(str(body["transaction_type"]).upper()),
            quantity=int(body["quantity"]),
            order_type=ORDER_TYPES[str(body["order_type"])],
            product=PRODUCTS[product],
            price=money(body.get("price", 0)),
            trigger_price=money(body.get("trigger_price", 0)),
            after_market=bool(body.get("amo")),
            immediate_or_cancel=body.get("validity") == "IOC",
            book_product=product,
        )

    def place(self, body: dict[str, Any]) -> Answer:
        row, problem = self._validate(body)
        if problem is not None or row is None:
            return problem or error(400, "Invalid order")
        ticket = self._ticket(body, row)
        try:
            self.engine.check(ticket)
        except EngineError as refused:
            return refusal(refused, ticket)
        self._sequence += 1
        now = datetime.now(UTC)
        order_id = now.astimezone(IST).strftime("%y%m%d") + f"{self._sequence:08d}"
        ticket.order_id = order_id
        order = FakeOrder(
            order_id,
            dict(body),
            row,
            now,
            ticket,
            reads_left=self._broker.config.reads_before_transition,
        )
        self.orders[order_id] = order
        if order.reads_left <= 0:
            self._advance(order)
        return success({"order_id": order_id})

    def modify(self, order_id: str, body: dict[str, Any]) -> Answer:
        order = self.orders.get(order_id)
        if order is None:
            return error(404, "Order not found")
        missing = [f for f in MODIFY_FIELDS if f not in body]
        if missing:
            return error(400, f"{', '.join(missing)} required")
        self._advance(order, force=True)
        placed = self.engine.orders[order_id]
        if not placed.live:
            return error(422, f"Order cannot be modified in {self.status(order)} status")
        merged = {**order.body, **{f: body[f] for f in MODIFY_FIELDS}}
        quantity = merged.get("quantity")
        if not isinstance(quantity, int) or quantity <= 0:
            return error(400, "Invalid quantity")
        changed = self._ticket(merged, order.row)
        try:
            self.engine.modify_to(order_id, changed)
        except EngineError as refused:
            return refusal(refused, changed)
        order.body, order.modified = merged, True
        return success({"order_id": order_id})

    def cancel(self, order_id: str) -> Answer:
        order = self.orders.get(order_id)
        if order is None:
            return error(404, "Order not found")
        self._advance(order, force=True)
        if not self.engine.orders[order_id].live:
            return error(422, f"Order is not pending, it is {self.status(order)}")
        self.engine.cancel(order_id)
        return success({"order_id": order_id})

    def _advance(self, order: FakeOrder, *, force: bool = False) -> None:
        """Hand a ``Pending`` order to the engine once RMS decides (after enough reads)."""
        if order.order_id in self.engine.orders:
            return
        if order.reads_left > 0 and not force:
            order.reads_left -= 1
            return
        order.reads_left = 0
        placed = self.engine.place(order.ticket)
        if placed.reject_reason is RejectReason.INSUFFICIENT_FUNDS:
            required = self.engine.required_margin(order.ticket)
            available = self.engine.funds().available
            placed.reason = (
                f"RMS:Margin Exceeds, Required:{required:.2f}, Available:{available:.2f}"
            )

    def status(self, order: FakeOrder) -> str:
        placed = self.engine.orders.get(order.order_id)
        if placed is None:
            return "Pending"
        if placed.live and placed.after_market:
            return "After Market Order Req Received"
        return STATUS[placed.state]

    # -- reads --------------------------------------------------------------------------
    def order_rows(self) -> list[dict[str, Any]]:
        for order in self.orders.values():
            self._advance(order)
        return [self.render_order(o) for o in self.orders.values()]

    def order_row(self, order_id: str) -> Answer:
        order = self.orders.get(order_id)
        if order is None:
            return error(404, "Order not found")
        self._advance(order)
        return success([self.render_order(order)])

    def render_order(self, order: FakeOrder) -> dict[str, Any]:
        body, row = order.body, order.row
        placed = self.engine.orders.get(order.order_id)
        status = self.status(order)
        derivative = row["instrument_segment"] != "EQUITY"
        quantity = placed.quantity if placed else order.ticket.quantity
        filled = placed.filled_quantity if placed else 0
        average = (placed.average_price if placed else None) or Decimal(0)
        cancelled = quantity - filled if status == "Cancelled" else 0
        message = placed.reason if placed and placed.state is OrderState.REJECTED else ""
        return {
            "order_id": order.order_id,
            "exchange_order_id": f"1100000{order.order_id[-8:]}",
            "status": status,
            "status_message": message,
            "status_message_raw": message,
            "order_timestamp": order.placed_at.astimezone(IST).strftime("%d/%m/%Y %H:%M:%S"),
            "exchange": row["exchange"],
            "security_id": row["security_id"],
            "tradingsymbol": row["security_id"] if derivative else row["symbol_name"],
            "company_name": row["symbol_name"],
            "underlying_symbol": row["symbol_name"],
            "instrument_segment": row["instrument_segment"],
            "instrument_type": "Equity Derivatives" if derivative else "Equity",
            "expiry_date": book_date(row["expiry_date"]),
            "strike_price": float(money(row["strike_price"] or 0)) if derivative else 0.0,
            "option_type": RIGHT_WORD.get(row["option_type"], ""),
            "isin": "",
            "transaction_type": order.side.title(),
            "validity": body.get("validity", "DAY"),
            "product": order.ticket.book_product,
            "order_type": body["order_type"],
            "quantity": quantity,
            "disclosed_quantity": int(body.get("disclosed_quantity") or 0),
            "filled_quantity": filled,
            "pending_quantity": quantity - filled - cancelled,
            "cancelled_quantity": cancelled,
            "price": float(money(body.get("price", 0))),
            "trigger_price": float(money(body.get("trigger_price", 0))),
            "average_price": float(average),
            "total_traded_value": float(average * filled),
            "order_source": "C",
            "order_subchannel": "C",
            "order_slot": "AMO" if body.get("amo") else "Online",
            "modification_allowed": "",
            "cancellation_allowed": "",
            "token_id": f"{row['exchange']}DNL{row['exch_security_id']}",
            "good_till_date": "",
            "external_reference_number": echo_reference(
                body.get("external_reference_number"), self._broker.config.reference_echo
            ),
            "modified": order.modified,
            "instrument_token": 0,
            "market_protection": 0,
        }

    def trade_rows(self, *, camel: bool = False, order_id: str | None = None) -> list[Any]:
        rows = []
        for fill in self.engine.fills:
            if order_id is not None and fill.order_id != order_id:
                continue
            order, row = self.orders[fill.order_id], self.rows[fill.key]
            rows.append(
                {
                    "client_id": self._broker.config.client_code,
                    "trade_id": fill.trade_id,
                    "order_id": fill.order_id,
                    "exchange": row["exchange"],
                    "product": fill.book_product,
                    "average_price": float(fill.price),
                    "filled_quantity": fill.quantity,
                    "pending_quantity": 0,
                    "exchange_order_id": f"1100000{fill.order_id[-8:]}",
                    "transaction_type": fill.side.value,
                    "fill_timestamp": fill.at.astimezone(IST).strftime("%d/%m/%Y %H:%M:%S"),
                    "security_id": row["symbol_name"],  # the underlying's name, not the id
                    "company_name": row["symbol_name"],
                    "underlying_symbol": row["symbol_name"],
                    "instrument_segment": row["instrument_segment"],
                    "expiry_date": book_date(row["expiry_date"]),
                    "strike_price": float(money(row["strike_price"] or 0)),
                    "option_type": RIGHT_WORD.get(row["option_type"], ""),
                    "isin": "",
                    "status": "Traded",
                    "validity": "1" if camel else order.body.get("validity", "DAY"),
                    "total_traded_value": float(fill.price * fill.quantity),
                    "order_source": "C",
                    "order_type": order.body["order_type"],
                }
            )
        return [camel_row(r) for r in rows] if camel else rows

    def position_rows(self) -> list[dict[str, Any]]:
        return [self._position(p) for p in self.engine.open_positions()]

    def _position(self, position: PositionBook) -> dict[str, Any]:
        row = self.rows[position.key]
        realised = position.realized
        expiry = row["expiry_date"]
        return {
            "client_id": self._broker.config.client_code,
            "security_id": row["security_id"],
            "instrument_segment": row["instrument_segment"],
            "underlying_symbol": row["symbol_name"],
            "product": position.book_product,
            "exchange": row["exchange"],
            "expiry_date": date.fromisoformat(expiry).strftime("%d-%b-%y").upper()
            if expiry
            else "",
            "option_type": RIGHT_WORD.get(row["option_type"], ""),
            "strike_price": float(money(row["strike_price"] or 0)),
            "total_buy_quantity": position.bought,
            "total_sell_qty": position.sold,
            "net_qty": position.net_quantity,
            "t_day_net_qty": position.net_quantity,
            "average_buy_price": float(round(position.average_buy or Decimal(0), 2)),
            "average_sell_price": float(round(position.average_sell or Decimal(0), 2)),
            "total_buy_value": float(position.bought_value),
            "total_sell_value": float(position.sold_value),
            "cf_buy_qty": 0,
            "cf_sell_qty": 0,
            "realised_pl_overall_position": float(round(realised, 2)),
            "realised_pl_t_day_position": float(round(realised, 2)),
        }

    def funds(self) -> dict[str, Any]:
        funds = self.engine.funds()
        total, available = funds.opening, funds.available
        used = funds.blocked + funds.used
        return {
            "equity": {
                "total_available_limit": float(available),
                "total_utilised_limit": float(used),
                "total_limit": float(total),
                "totalAvailableLimitDetails": {"cash": float(available), "mtf": 0.0},
                "totalUtilizationDetails": {"cash": float(used), "cdxOptionBuy": 0.0},
                "totalLimitDetails": {"ledger_balance": float(total), "pledge_limit": 2500.0},
            }
        }
