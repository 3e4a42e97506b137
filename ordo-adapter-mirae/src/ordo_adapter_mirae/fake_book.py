"""The fake m.Stock order book: instruments, orders with status transitions, trades,
positions, holdings and funds. ``fake_state`` adds logins and limits, ``fake`` the HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib.resources import files
from typing import Any

from ordo.adapters.clock import IST

ORDER_TYPES = frozenset({"MARKET", "LIMIT", "SL", "SL-M"})
PRODUCTS = frozenset({"CNC", "MIS", "NRML", "MTF"})
VARIETIES = frozenset({"regular", "amo"})
REPORTED_PRODUCT = {"MIS": "INTRADAY"}
"""The order book and positions report MIS as INTRADAY."""
DERIVATIVE_MARGIN = Decimal("0.15")
TERMINAL = frozenset({"Traded", "Cancelled", "Rejected"})
PLACE_FIELDS = (
    "tradingsymbol",
    "exchange",
    "transaction_type",
    "order_type",
    "quantity",
    "product",
    "validity",
)
MODIFY_FIELDS = (
    "order_type",
    "quantity",
    "price",
    "validity",
    "trigger_price",
    "disclosed_quantity",
)
NO_ORDER_MESSAGE = "Order Does not Exsist.Need to refresh orderbook / relogin in application"


class FakeError(Exception):
    """An error reply: ``error_type``, message and HTTP status as m.Stock sends them."""

    def __init__(self, error_type: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def sample_master_csv() -> str:
    """The small scrip master shipped with the package (NSE/BSE cash, indices, NFO, BFO,
    MCX; one suspended scrip with lot size 0)."""
    return files("ordo_adapter_mirae").joinpath("data/scriptmaster_sample.csv").read_text("utf-8")


@dataclass
class FakeScrip:
    token: str
    tradingsymbol: str
    exchange: str
    lot_size: int
    tick_size: Decimal
    last_price: Decimal
    tradable: bool
    derivative: bool


@dataclass
class FakeOrder:
    order_id: str
    scrip: FakeScrip
    transaction_type: str
    order_type: str
    quantity: int
    product: str
    validity: str
    price: Decimal
    trigger_price: Decimal
    disclosed_quantity: int
    variety: str
    tag: str
    status: str
    placed_at: datetime
    status_message: str = ""
    filled_quantity: int = 0
    average_price: Decimal = Decimal(0)
    modified: bool = False
    updated_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        stamp = _stamp(self.placed_at)
        pending = 0 if self.status in TERMINAL else self.quantity - self.filled_quantity
        cancelled = self.quantity - self.filled_quantity if self.status == "Cancelled" else 0
        return {
            "placed_by": "MA0001",
            "order_id": self.order_id,
            "exchange_order_id": f"1000000{self.order_id[-6:]}"
            if self.status != "Rejected"
            else None,
            "parent_order_id": None,
            "status": self.status,
            "status_message": self.status_message or None,
            "status_message_raw": self.status_message or None,
            "order_timestamp": stamp,
            "exchange_update_timestamp": _stamp(self.updated_at or self.placed_at),
            "exchange_timestamp": stamp,
            "variety": None,
            "modified": "true" if self.modified else "false",
            "exchange": self.scrip.exchange,
            "tradingsymbol": self.scrip.tradingsymbol,
            "instrument_token": int(self.scrip.token),
            "order_type": self.order_type,
            "transaction_type": self.transaction_type,
            "validity": self.validity,
            "product": REPORTED_PRODUCT.get(self.product, self.product),
            "quantity": self.quantity,
            "disclosed_quantity": self.disclosed_quantity,
            "price": float(self.price),
            "trigger_price": float(self.trigger_price),
            "average_price": float(self.average_price),
            "filled_quantity": self.filled_quantity,
            "pending_quantity": pending,
            "cancelled_quantity": cancelled,
            "market_protection": 0,
            "meta": {},
            "tag": self.tag or "None",
            "guid": f"guid-{self.order_id}",
        }


@dataclass
class FakeTrade:
    trade_id: str
    order: FakeOrder
    quantity: int
    price: Decimal
    at: datetime


def _stamp(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d-%m-%Y %H:%M:%S")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class OrderBook:
    """One account's book: orders fill against each scrip's last price."""

    def __init__(
        self,
        master_csv: str,
        *,
        available_funds: Decimal,
        first_order_id: int,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.scrips = _load_scrips(master_csv)
        self.orders: dict[str, FakeOrder] = {}
        self.trades: list[FakeTrade] = []
        self.available = available_funds
        self.utilised = Decimal(0)
        self.wall_clock = wall_clock
        self._next_order = first_order_id

    def set_last_price(self, exchange: str, tradingsymbol: str, price: Decimal) -> None:
        scrip = self.scrips[(exchange, tradingsymbol)]
        scrip.last_price = price
        for order in list(self.orders.values()):
            if order.scrip is scrip and order.status not in TERMINAL:
                self._match(order)

    # -- portfolio and quotes ----------------------------------------------------------
    def fund_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "ADDITIONAL_MARGIN": "0.00",
                "ADHOC_LIMIT": "0.00",
                "AMOUNT_UTILIZED": _money(self.utilised),
                "AVAILABLE_BALANCE": _money(self.available - self.utilised),
                "BANK_HOLDING": None,
                "CLEAR_BALANCE": _money(self.available),
                "COLLATERALS": "25000.00",
                "LIMIT_SOD": _money(self.available),
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
                "REALISED_PROFITS": "0.00",
                "RECEIVABLES": "0.00",
                "SEG": "A",
                "SUM_OF_ALL": _money(self.available + Decimal(25000)),
                "UNCLEAR_BALANCE": "0.00",
            }
        ]

    def holdings(self) -> list[dict[str, Any]]:
        sbin = self.scrips[("NSE", "SBIN-EQ")]
        infy = self.scrips[("NSE", "INFY-EQ")]
        return [
            _holding(sbin, "STATE BANK OF INDIA", "INE062A01020", 10, 0, Decimal("650.00")),
            _holding(infy, "INFOSYS LIMITED", "INE009A01021", 5, 2, Decimal("1400.00")),
        ]

    def positions(self) -> dict[str, Any]:
        groups: dict[tuple[str, str, str], list[FakeTrade]] = {}
        for trade in self.trades:
            key = (trade.order.scrip.exchange, trade.order.scrip.tradingsymbol, trade.order.product)
            groups.setdefault(key, []).append(trade)
        return {"net": [_position(trades) for trades in groups.values()], "day": None}

    def quote(self, key: str, with_ohlc: bool) -> dict[str, Any] | None:
        exchange, _, symbol = key.partition(":")
        scrip = self.scrips.get((exchange, symbol))
        if scrip is None:
            return None
        last = scrip.last_price
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
    def place(self, variety: str, form: dict[str, str]) -> str:
        if variety not in VARIETIES:
            raise FakeError("InputException", f"Invalid variety {variety}", 400)
        for name in PLACE_FIELDS:
            if not form.get(name):
                raise FakeError("InputException", f"{name} is mandatory", 400)
        scrip = self._scrip(form["exchange"], form["tradingsymbol"])
        if not scrip.tradable:
            raise FakeError("InputException", "Scrip is suspended for trading")
        order_type, side = form["order_type"], form["transaction_type"]
        if order_type not in ORDER_TYPES or side not in ("BUY", "SELL"):
            raise FakeError("InputException", "Invalid order type or transaction type", 400)
        if form["product"] not in PRODUCTS or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid product or validity", 400)
        tag = form.get("tag", "")
        if len(tag) >= 20 or (tag and not tag.isalnum()):
            raise FakeError("InputException", "Tag must be alphanumeric, under 20 characters", 400)
        quantity, price, trigger, disclosed = self._numbers(form, scrip, order_type)
        self._next_order += 1
        order = FakeOrder(
            order_id=str(self._next_order),
            scrip=scrip,
            transaction_type=side,
            order_type=order_type,
            quantity=quantity,
            product=form["product"],
            validity=form["validity"],
            price=price,
            trigger_price=trigger,
            disclosed_quantity=disclosed,
            variety=variety,
            tag=tag,
            status="Transit",
            placed_at=self.wall_clock(),
        )
        self.orders[order.order_id] = order
        cost = quantity * (price or trigger or scrip.last_price)
        if scrip.derivative:
            cost *= DERIVATIVE_MARGIN  # futures and options block a margin, not their value
        if side == "BUY" and cost > self.available - self.utilised:
            order.status = "Rejected"
            order.status_message = (
                "RMS:Rule: Check available fund limit, FUND LIMIT INSUFFICIENT, "
                f"AVAILABLE FUND={_money(self.available - self.utilised)}, "
                f"ORDER VALUE={_money(cost)}"
            )
        elif variety == "amo":
            order.status = "O-Pending"
        else:
            order.status = "Trigger Pending" if order_type in ("SL", "SL-M") else "Pending"
            self._match(order)
        return order.order_id

    def modify(self, order_id: str, form: dict[str, str]) -> str:
        order = self._open_order(order_id)
        for name in MODIFY_FIELDS:
            if name not in form or form[name] == "":
                # m.Stock replaces the whole order: a field left out is an error.
                raise FakeError("InputException", f"{name} is mandatory", 400)
        if form["order_type"] not in ORDER_TYPES or form["validity"] not in ("DAY", "IOC"):
            raise FakeError("InputException", "Invalid order type or validity", 400)
        quantity, price, trigger, disclosed = self._numbers(form, order.scrip, form["order_type"])
        if quantity <= order.filled_quantity:
            raise FakeError("InputException", "Quantity cannot be less than traded quantity", 400)
        order.order_type, order.quantity, order.validity = (
            form["order_type"],
            quantity,
            form["validity"],
        )
        order.price, order.trigger_price, order.disclosed_quantity = price, trigger, disclosed
        order.modified, order.updated_at = True, self.wall_clock()
        if order.variety != "amo":
            order.status = "Trigger Pending" if order.order_type in ("SL", "SL-M") else "Pending"
            self._match(order)
        return order.order_id

    def cancel(self, order_id: str) -> str:
        order = self._open_order(order_id)
        order.status = "Cancelled"
        order.updated_at = self.wall_clock()
        return order.order_id

    def order_rows(self) -> list[dict[str, Any]]:
        return [order.row() for order in self.orders.values()]

    def trade_rows(self) -> list[dict[str, Any]]:
        return [_trade_row(trade) for trade in self.trades]

    def _open_order(self, order_id: str) -> FakeOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise FakeError("InputException", NO_ORDER_MESSAGE)
        if order.status in TERMINAL:
            raise FakeError(
                "MiraeException", f"Order is {order.status}.Kindly refresh your OrderBook"
            )
        return order

    def _scrip(self, exchange: str, tradingsymbol: str) -> FakeScrip:
        scrip = self.scrips.get((exchange, tradingsymbol))
        if scrip is None and exchange == "NSE":
            scrip = self.scrips.get((exchange, f"{tradingsymbol}-EQ"))
        if scrip is None:
            raise FakeError("InputException", f"Invalid scrip {exchange}:{tradingsymbol}")
        return scrip

    @staticmethod
    def _numbers(
        form: dict[str, str], scrip: FakeScrip, order_type: str
    ) -> tuple[int, Decimal, Decimal, int]:
        try:
            quantity = int(form["quantity"])
            price = Decimal(form.get("price") or "0")
            trigger = Decimal(form.get("trigger_price") or "0")
            disclosed = int(form.get("disclosed_quantity") or "0")
        except (ValueError, InvalidOperation):
            raise FakeError("InputException", "Invalid numeric value", 400) from None
        if quantity <= 0 or quantity % scrip.lot_size:
            raise FakeError(
                "InputException", f"Quantity must be a multiple of {scrip.lot_size}", 400
            )
        if order_type in ("LIMIT", "SL") and price <= 0:
            raise FakeError("InputException", "Enter valid price.", 400)
        if order_type in ("SL", "SL-M") and trigger <= 0:
            raise FakeError("InputException", "Enter valid trigger price.", 400)
        for value in (price, trigger):
            if value % scrip.tick_size:
                raise FakeError(
                    "InputException",
                    f"Price must be a multiple of tick size {scrip.tick_size}",
                    400,
                )
        return quantity, price, trigger, disclosed

    def _match(self, order: FakeOrder) -> None:
        """Fill a marketable order completely at the last price; fire crossed stops."""
        last = order.scrip.last_price
        buy = order.transaction_type == "BUY"
        if order.status == "Trigger Pending":
            crossed = last >= order.trigger_price if buy else last <= order.trigger_price
            if not crossed:
                return
            order.status = "Triggered"
        limit = order.price if order.order_type in ("LIMIT", "SL") else None
        marketable = limit is None or (last <= limit if buy else last >= limit)
        if not marketable:
            return
        quantity = order.quantity - order.filled_quantity
        order.filled_quantity = order.quantity
        order.average_price = last
        order.status = "Traded"
        order.updated_at = self.wall_clock()
        self.trades.append(
            FakeTrade(
                f"T{order.order_id[-8:]}{len(self.trades):03d}",
                order,
                quantity,
                last,
                self.wall_clock(),
            )
        )
        if buy:
            margin = DERIVATIVE_MARGIN if order.scrip.derivative else Decimal(1)
            self.utilised += quantity * last * margin


def _load_scrips(master_csv: str) -> dict[tuple[str, str], FakeScrip]:
    scrips: dict[tuple[str, str], FakeScrip] = {}
    for row in csv.DictReader(io.StringIO(master_csv)):
        lot = int(row["lot_size"] or 0)
        tick = Decimal(row["tick_size"] or "0")
        index = row["segment"] == "INDICES"
        scrips[(row["exchange"], row["tradingsymbol"])] = FakeScrip(
            token=row["instrument_token"],
            tradingsymbol=row["tradingsymbol"],
            exchange=row["exchange"],
            lot_size=max(lot, 1),
            tick_size=tick if tick > 0 else Decimal("0.05"),
            last_price=Decimal(row["last_price"] or "0"),
            tradable=lot > 0 and tick > 0 and not index,
            derivative=row["exchange"] in ("NFO", "BFO", "MCX", "CDS"),
        )
    return scrips


def _holding(
    scrip: FakeScrip, name: str, isin: str, quantity: int, t1: int, average: Decimal
) -> dict[str, Any]:
    last = scrip.last_price
    return {
        "tradingsymbol": name,
        "exchange": None,
        "instrument_token": int(scrip.token),
        "isin": isin,
        "product": None,
        "price": 0,
        "quantity": quantity,
        "used_quantity": 0,
        "t1_quantity": t1,
        "realised_quantity": quantity,
        "authorised_quantity": 0,
        "authorised_date": None,
        "opening_quantity": quantity,
        "collateral_quantity": 0,
        "collateral_type": None,
        "discrepancy": False,
        "average_price": float(average),
        "last_price": float(last),
        "close_price": float(last),
        "pnl": float((last - average) * (quantity + t1)),
        "day_change": 0.0,
        "day_change_percentage": 0.0,
    }


def _position(trades: list[FakeTrade]) -> dict[str, Any]:
    first = trades[0].order
    buys = [t for t in trades if t.order.transaction_type == "BUY"]
    sells = [t for t in trades if t.order.transaction_type == "SELL"]
    buy_qty, sell_qty = sum(t.quantity for t in buys), sum(t.quantity for t in sells)
    buy_value = sum((t.quantity * t.price for t in buys), Decimal(0))
    sell_value = sum((t.quantity * t.price for t in sells), Decimal(0))
    buy_price = buy_value / buy_qty if buy_qty else Decimal(0)
    sell_price = sell_value / sell_qty if sell_qty else Decimal(0)
    net = buy_qty - sell_qty
    last = first.scrip.last_price
    average = buy_price if net > 0 else sell_price if net < 0 else Decimal(0)
    realised = min(buy_qty, sell_qty) * (sell_price - buy_price)
    unrealised = net * (last - average)
    return {
        "tradingsymbol": first.scrip.tradingsymbol,
        "exchange": first.scrip.exchange,
        "instrument_token": int(first.scrip.token),
        "product": REPORTED_PRODUCT.get(first.product, first.product),
        "quantity": net,
        "overnight_quantity": 0,
        "multiplier": 1,
        "average_price": float(average),
        "close_price": float(last),
        "last_price": float(last),
        "value": float(sell_value - buy_value),
        "pnl": float(realised + unrealised),
        "m2m": float(realised + unrealised),
        "unrealised": float(unrealised),
        "realised": float(realised),
        "buy_quantity": buy_qty,
        "buy_price": float(buy_price),
        "buy_value": float(buy_value),
        "buy_m2m": 0.0,
        "sell_quantity": sell_qty,
        "sell_price": float(sell_price),
        "sell_value": float(sell_value),
        "sell_m2m": 0.0,
        "day_buy_quantity": buy_qty,
        "day_buy_price": float(buy_price),
        "day_buy_value": float(buy_value),
        "day_sell_quantity": sell_qty,
        "day_sell_price": float(sell_price),
        "day_sell_value": float(sell_value),
    }


def _trade_row(trade: FakeTrade) -> dict[str, Any]:
    order = trade.order
    return {
        "ALGO_ID": "",
        "BUY_SELL": "Buy" if order.transaction_type == "BUY" else "Sell",
        "CLIENT_ID": "MA0001",
        "EXCHANGE": order.scrip.exchange,
        "EXCH_ORDER_NUMBER": f"1000000{order.order_id[-6:]}",
        "EXPIRY_DATE": "",
        "FULL_SYMBOL": order.scrip.tradingsymbol,
        "ORDER_DATE_TIME": _stamp(trade.at),
        "ORDER_NUMBER": order.order_id,
        "ORDER_TYPE": order.order_type,
        "PRICE": float(trade.price),
        "PRODUCT": order.product,
        "QUANTITY": trade.quantity,
        "SEC_ID": order.scrip.token,
        "SEGMENT": "D" if order.scrip.derivative else "E",
        "SYMBOL": order.scrip.tradingsymbol,
        "TRADE_NUMBER": trade.trade_id,
        "TRADE_VALUE": float(trade.price * trade.quantity),
        "REMARKS1": order.tag,
    }
