"""Records of the fake m.Stock book (scrips, orders, trades) and the m.Stock row shapes
they are reported in: order book, trade book, positions, holdings."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
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
    return (
        files("ordo_adapter_mirae.fake").joinpath("data/scriptmaster_sample.csv").read_text("utf-8")
    )


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
        placed = stamp(self.placed_at)
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
            "order_timestamp": placed,
            "exchange_update_timestamp": stamp(self.updated_at or self.placed_at),
            "exchange_timestamp": placed,
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


def stamp(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d-%m-%Y %H:%M:%S")


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def load_scrips(master_csv: str) -> dict[tuple[str, str], FakeScrip]:
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


def holding_row(
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


def position_row(trades: list[FakeTrade]) -> dict[str, Any]:
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


def trade_row(trade: FakeTrade) -> dict[str, Any]:
    order = trade.order
    return {
        "ALGO_ID": "",
        "BUY_SELL": "Buy" if order.transaction_type == "BUY" else "Sell",
        "CLIENT_ID": "MA0001",
        "EXCHANGE": order.scrip.exchange,
        "EXCH_ORDER_NUMBER": f"1000000{order.order_id[-6:]}",
        "EXPIRY_DATE": "",
        "FULL_SYMBOL": order.scrip.tradingsymbol,
        "ORDER_DATE_TIME": stamp(trade.at),
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
