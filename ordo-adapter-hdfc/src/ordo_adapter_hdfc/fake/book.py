"""The fake broker's order book, fills and portfolio, rendered in InvestRight's formats
(order book ``30 APR 2024``/``Call``/``Buy``, positions ``27-JUN-24``, trades ``SELL``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ordo.adapters.clock import IST

from ordo_adapter_hdfc.fake.reference import echo_reference, reference_refusal

if TYPE_CHECKING:
    from ordo_adapter_hdfc.fake.state import FakeBroker

Answer = tuple[int, Any]
OPEN_STATUSES = frozenset({"Pending", "Open", "Trigger Pending", "After Market Order Req Received"})
PRODUCTS = frozenset({"DELIVERY", "OVERNIGHT", "INTRADAY", "MTF", "COLL-SELL", "ENCASH"})
ORDER_TYPES = frozenset({"MARKET", "LIMIT", "SL", "SL-M"})
MODIFY_FIELDS = (
    "quantity",
    "order_type",
    "validity",
    "disclosed_quantity",
    "product",
    "price",
    "trigger_price",
    "amo",
)
_RIGHT_WORD = {"CE": "Call", "PE": "Put"}


def error(status: int, message: str, *, bare: bool = False) -> Answer:
    """The two error shapes seen in the wild: enveloped, or a bare ``{"error": ...}``."""
    return status, ({"error": message} if bare else {"status": "error", "message": message})


def success(data: Any) -> Answer:
    return 200, {"status": "success", "data": data}


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(-1)


def tick_of(row: dict[str, str]) -> Decimal:
    raw = row["tick_size"]
    value = money(raw)
    return value / 100 if "." not in raw else value


@dataclass
class FakeOrder:
    order_id: str
    body: dict[str, Any]
    row: dict[str, str]
    placed_at: datetime
    status: str = "Pending"
    target: str = "Open"
    message: str = ""
    filled: int = 0
    average: Decimal = Decimal(0)
    reads_left: int = 1
    modified: bool = False

    @property
    def side(self) -> str:
        return str(self.body["transaction_type"]).upper()


class FakeBook:
    """Orders, trades and funds of the one fake client."""

    def __init__(self, broker: FakeBroker) -> None:
        self._broker = broker
        self.orders: dict[str, FakeOrder] = {}
        self.trades: list[dict[str, Any]] = []
        self.available = broker.config.funds
        self._sequence = 0

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
        refusal = reference_refusal(body.get("external_reference_number"))
        if refusal:
            return None, error(400, refusal)
        return row, self._check_numbers(body, row)

    def _check_numbers(self, body: dict[str, Any], row: dict[str, str]) -> Answer | None:
        quantity = body.get("quantity")
        if not isinstance(quantity, int) or quantity <= 0:
            return error(400, "Invalid quantity")
        if quantity % max(1, int(row["lot_size"])):
            return error(422, "Quantity should be a multiple of the lot size")
        price, trigger = money(body.get("price", 0)), money(body.get("trigger_price", 0))
        kind = body["order_type"]
        if kind in ("LIMIT", "SL") and price <= 0:
            return error(422, "Price is required for this order type")
        if kind in ("SL", "SL-M") and trigger <= 0:
            return error(422, "Trigger price is required for this order type")
        tick = tick_of(row)
        if price % tick or trigger % tick:
            return error(422, "Price is not a multiple of tick size")
        return None

    def _target(self, order: FakeOrder) -> tuple[str, str]:
        """Where RMS and the exchange will take a new or modified order."""
        body = order.body
        if body.get("amo"):
            return "After Market Order Req Received", ""
        ltp = self._broker.price_of(order.row)
        price = money(body.get("price", 0))
        trigger = money(body.get("trigger_price", 0))
        buy = order.side == "BUY"
        value = int(body["quantity"]) * (price if price > 0 else ltp)
        if buy and value > self.available:
            return "Rejected", (
                f"RMS:Margin Exceeds, Required:{value:.2f}, Available:{self.available:.2f}"
            )
        kind = body["order_type"]
        if kind in ("SL", "SL-M"):
            triggered = (buy and ltp >= trigger) or (not buy and ltp <= trigger)
            if not triggered:
                return "Trigger Pending", ""
        if kind in ("MARKET", "SL-M") or (buy and price >= ltp) or (not buy and price <= ltp):
            return "Traded", ""
        return "Open", ""

    def place(self, body: dict[str, Any]) -> Answer:
        row, problem = self._validate(body)
        if problem is not None or row is None:
            return problem or error(400, "Invalid order")
        self._sequence += 1
        now = datetime.now(UTC)
        order_id = now.astimezone(IST).strftime("%y%m%d") + f"{self._sequence:08d}"
        order = FakeOrder(
            order_id,
            dict(body),
            row,
            now,
            reads_left=self._broker.config.reads_before_transition,
        )
        order.target, order.message = self._target(order)
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
        if order.status not in OPEN_STATUSES:
            return error(422, f"Order cannot be modified in {order.status} status")
        merged = {**order.body, **{f: body[f] for f in MODIFY_FIELDS}}
        problem = self._check_numbers(merged, order.row)
        if problem is not None:
            return problem
        order.body, order.modified = merged, True
        order.target, order.message = self._target(order)
        order.status = "Pending"
        self._advance(order, force=True)
        return success({"order_id": order_id})

    def cancel(self, order_id: str) -> Answer:
        order = self.orders.get(order_id)
        if order is None:
            return error(404, "Order not found")
        self._advance(order, force=True)
        if order.status not in OPEN_STATUSES:
            return error(422, f"Order is not pending, it is {order.status}")
        order.status = order.target = "Cancelled"
        return success({"order_id": order_id})

    def _advance(self, order: FakeOrder, *, force: bool = False) -> None:
        """Move a ``Pending`` order to where RMS decided, after enough reads."""
        if order.status != "Pending":
            return
        if order.reads_left > 0 and not force:
            order.reads_left -= 1
            return
        order.reads_left = 0
        order.status = order.target
        if order.status == "Traded":
            self._fill(order)

    def _fill(self, order: FakeOrder) -> None:
        ltp = self._broker.price_of(order.row)
        quantity = int(order.body["quantity"])
        order.filled, order.average = quantity, ltp
        value = ltp * quantity
        self.available += -value if order.side == "BUY" else value
        self.trades.append(
            {
                "order": order,
                "trade_id": f"T{order.order_id}",
                "at": datetime.now(UTC),
                "price": ltp,
                "quantity": quantity,
            }
        )

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
        derivative = row["instrument_segment"] != "EQUITY"
        quantity = int(body["quantity"])
        cancelled = quantity - order.filled if order.status == "Cancelled" else 0
        return {
            "order_id": order.order_id,
            "exchange_order_id": f"1100000{order.order_id[-8:]}",
            "status": order.status,
            "status_message": order.message,
            "status_message_raw": order.message,
            "order_timestamp": order.placed_at.astimezone(IST).strftime("%d/%m/%Y %H:%M:%S"),
            "exchange": row["exchange"],
            "security_id": row["security_id"],
            "tradingsymbol": row["security_id"] if derivative else row["symbol_name"],
            "company_name": row["symbol_name"],
            "underlying_symbol": row["symbol_name"],
            "instrument_segment": row["instrument_segment"],
            "instrument_type": "Equity Derivatives" if derivative else "Equity",
            "expiry_date": _book_date(row["expiry_date"]),
            "strike_price": float(money(row["strike_price"] or 0)) if derivative else 0.0,
            "option_type": _RIGHT_WORD.get(row["option_type"], ""),
            "isin": "",
            "transaction_type": order.side.title(),
            "validity": body.get("validity", "DAY"),
            "product": body["product"],
            "order_type": body["order_type"],
            "quantity": quantity,
            "disclosed_quantity": int(body.get("disclosed_quantity") or 0),
            "filled_quantity": order.filled,
            "pending_quantity": quantity - order.filled - cancelled,
            "cancelled_quantity": cancelled,
            "price": float(money(body.get("price", 0))),
            "trigger_price": float(money(body.get("trigger_price", 0))),
            "average_price": float(order.average),
            "total_traded_value": float(order.average * order.filled),
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
        for trade in self.trades:
            order: FakeOrder = trade["order"]
            if order_id is not None and order.order_id != order_id:
                continue
            row = order.row
            rows.append(
                {
                    "client_id": self._broker.config.client_code,
                    "trade_id": trade["trade_id"],
                    "order_id": order.order_id,
                    "exchange": row["exchange"],
                    "product": order.body["product"],
                    "average_price": float(trade["price"]),
                    "filled_quantity": trade["quantity"],
                    "pending_quantity": 0,
                    "exchange_order_id": f"1100000{order.order_id[-8:]}",
                    "transaction_type": order.side,
                    "fill_timestamp": trade["at"].astimezone(IST).strftime("%d/%m/%Y %H:%M:%S"),
                    "security_id": row["symbol_name"],  # the underlying's name, not the id
                    "company_name": row["symbol_name"],
                    "underlying_symbol": row["symbol_name"],
                    "instrument_segment": row["instrument_segment"],
                    "expiry_date": _book_date(row["expiry_date"]),
                    "strike_price": float(money(row["strike_price"] or 0)),
                    "option_type": _RIGHT_WORD.get(row["option_type"], ""),
                    "isin": "",
                    "status": "Traded",
                    "validity": "1" if camel else order.body.get("validity", "DAY"),
                    "total_traded_value": float(trade["price"] * trade["quantity"]),
                    "order_source": "C",
                    "order_type": order.body["order_type"],
                }
            )
        return [_camel_row(r) for r in rows] if camel else rows

    def position_rows(self) -> list[dict[str, Any]]:
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for trade in self.trades:
            order: FakeOrder = trade["order"]
            key = (order.row["exchange"], order.row["security_id"], order.body["product"])
            grouped.setdefault(key, []).append(trade)
        return [self._position(trades) for trades in grouped.values()]

    def _position(self, trades: list[dict[str, Any]]) -> dict[str, Any]:
        first: FakeOrder = trades[0]["order"]
        row = first.row
        buys = [t for t in trades if t["order"].side == "BUY"]
        sells = [t for t in trades if t["order"].side == "SELL"]
        buy_qty = sum(t["quantity"] for t in buys)
        sell_qty = sum(t["quantity"] for t in sells)
        buy_val = sum((t["price"] * t["quantity"] for t in buys), Decimal(0))
        sell_val = sum((t["price"] * t["quantity"] for t in sells), Decimal(0))
        buy_avg = buy_val / buy_qty if buy_qty else Decimal(0)
        sell_avg = sell_val / sell_qty if sell_qty else Decimal(0)
        realised = min(buy_qty, sell_qty) * (sell_avg - buy_avg) if sell_qty else Decimal(0)
        expiry = row["expiry_date"]
        return {
            "client_id": self._broker.config.client_code,
            "security_id": row["security_id"],
            "instrument_segment": row["instrument_segment"],
            "underlying_symbol": row["symbol_name"],
            "product": first.body["product"],
            "exchange": row["exchange"],
            "expiry_date": date.fromisoformat(expiry).strftime("%d-%b-%y").upper()
            if expiry
            else "",
            "option_type": _RIGHT_WORD.get(row["option_type"], ""),
            "strike_price": float(money(row["strike_price"] or 0)),
            "total_buy_quantity": buy_qty,
            "total_sell_qty": sell_qty,
            "net_qty": buy_qty - sell_qty,
            "t_day_net_qty": buy_qty - sell_qty,
            "average_buy_price": float(round(buy_avg, 2)),
            "average_sell_price": float(round(sell_avg, 2)),
            "total_buy_value": float(buy_val),
            "total_sell_value": float(sell_val),
            "cf_buy_qty": 0,
            "cf_sell_qty": 0,
            "realised_pl_overall_position": float(round(realised, 2)),
            "realised_pl_t_day_position": float(round(realised, 2)),
        }

    def funds(self) -> dict[str, Any]:
        total = self._broker.config.funds
        used = max(Decimal(0), total - self.available)
        return {
            "equity": {
                "total_available_limit": float(self.available),
                "total_utilised_limit": float(used),
                "total_limit": float(total),
                "totalAvailableLimitDetails": {"cash": float(self.available), "mtf": 0.0},
                "totalUtilizationDetails": {"cash": float(used), "cdxOptionBuy": 0.0},
                "totalLimitDetails": {"ledger_balance": float(total), "pledge_limit": 2500.0},
            }
        }


def _book_date(iso: str) -> str:
    """``2030-01-31`` as the order book writes it: ``31 JAN 2030``."""
    return date.fromisoformat(iso).strftime("%d %b %Y").upper() if iso else ""


def _camel_row(row: dict[str, Any]) -> dict[str, Any]:
    """The single-order trades endpoint answers in camelCase, except ``client_id``."""

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {k if k == "client_id" else camel(k): v for k, v in row.items()}
