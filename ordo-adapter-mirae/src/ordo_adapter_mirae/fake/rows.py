"""The fake m.Stock's scrips and the m.Stock row shapes it reports the engine's orders,
fills, day positions and holdings in: order book, trade book, positions, holdings."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from typing import Any

from ordo.adapters.clock import IST
from ordo.domain import OrderType, Product, Side
from ordo.domain.matching import STOP_TYPES
from ordo_testing.matching import EngineOrder, Fill, OrderState, PositionBook

ORDER_TYPES = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "SL": OrderType.SL,
    "SL-M": OrderType.SL_M,
}
ORDER_TYPE_TEXT = {kind: text for text, kind in ORDER_TYPES.items()}
PRODUCTS = {"CNC": Product.CNC, "MIS": Product.MIS, "NRML": Product.NRML, "MTF": Product.CNC}
VARIETIES = frozenset({"regular", "amo"})
REPORTED_PRODUCT = {"MIS": "INTRADAY"}
"""The order book and positions report MIS as INTRADAY."""
DERIVATIVE_MARGIN = Decimal("0.15")
TERMINAL = frozenset({"Traded", "Cancelled", "Rejected"})
_STATUS = {
    OrderState.OPEN: "Pending",
    OrderState.TRIGGER_PENDING: "Trigger Pending",
    OrderState.FILLED: "Traded",
    OrderState.CANCELLED: "Cancelled",
    OrderState.REJECTED: "Rejected",
    OrderState.EXPIRED: "Expired",
}
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


def status_of(order: EngineOrder) -> str:
    """m.Stock's status text: a fired stop still working is ``Triggered``, an after-market
    order waiting for the session ``O-Pending``."""
    if order.state is OrderState.OPEN and order.after_market:
        return "O-Pending"
    if order.state is OrderState.OPEN and order.order_type in STOP_TYPES:
        return "Triggered"
    return _STATUS[order.state]


def order_row(order: EngineOrder, scrip: FakeScrip) -> dict[str, Any]:
    placed, status = stamp(order.placed_at), status_of(order)
    reason = order.reason if order.state is OrderState.REJECTED else ""
    cancelled = order.quantity - order.filled_quantity if status == "Cancelled" else 0
    return {
        "placed_by": "MA0001",
        "order_id": order.order_id,
        "exchange_order_id": f"1000000{order.order_id[-6:]}" if status != "Rejected" else None,
        "parent_order_id": None,
        "status": status,
        "status_message": reason or None,
        "status_message_raw": reason or None,
        "order_timestamp": placed,
        "exchange_update_timestamp": stamp(order.updated_at),
        "exchange_timestamp": placed,
        "variety": None,
        "modified": "true" if order.extra.get("modified") else "false",
        "exchange": scrip.exchange,
        "tradingsymbol": scrip.tradingsymbol,
        "instrument_token": int(scrip.token),
        "order_type": ORDER_TYPE_TEXT[order.order_type],
        "transaction_type": order.side.value,
        "validity": order.extra.get("validity", "DAY"),
        "product": REPORTED_PRODUCT.get(order.book_product, order.book_product),
        "quantity": order.quantity,
        "disclosed_quantity": order.extra.get("disclosed", 0),
        "price": float(order.price or 0),
        "trigger_price": float(order.trigger_price or 0),
        "average_price": float(order.average_price or 0),
        "filled_quantity": order.filled_quantity,
        "pending_quantity": order.pending_quantity,
        "cancelled_quantity": cancelled,
        "market_protection": 0,
        "meta": {},
        "tag": order.tag or "None",
        "guid": f"guid-{order.order_id}",
    }


def history_rows(
    order: EngineOrder, scrip: FakeScrip, fills: Sequence[Fill]
) -> list[dict[str, Any]]:
    """The rows ``order/details`` answers: the order as first booked, one row per fill
    (quantity and average so far) and, for an order ended otherwise, its final row; times
    in the 12-hour layout this endpoint uses ("23-01-2025 02:55:55 PM")."""
    final = order_row(order, scrip)
    first_status = "Trigger Pending" if order.order_type in STOP_TYPES else "Pending"
    if order.after_market:
        first_status = "O-Pending"
    if order.state is OrderState.REJECTED:
        first_status = "Rejected"
    rows = [
        final
        | {
            "status": first_status,
            "status_message": final["status_message"] if first_status == "Rejected" else None,
            "filled_quantity": 0,
            "pending_quantity": order.quantity if first_status != "Rejected" else 0,
            "average_price": 0.0,
            "cancelled_quantity": 0,
            "exchange_update_timestamp": _details_stamp(order.placed_at),
        }
    ]
    filled, value = 0, Decimal(0)
    for fill in fills:
        filled += fill.quantity
        value += fill.price * fill.quantity
        rows.append(
            final
            | {
                "status": "Traded" if filled >= order.quantity else "Pending",
                "filled_quantity": filled,
                "pending_quantity": order.quantity - filled,
                "average_price": float(value / filled),
                "cancelled_quantity": 0,
                "exchange_update_timestamp": _details_stamp(fill.at),
            }
        )
    last = rows[-1]
    if (last["status"], last["filled_quantity"]) != (final["status"], final["filled_quantity"]):
        rows.append(final | {"exchange_update_timestamp": _details_stamp(order.updated_at)})
    for row in rows:
        row["order_timestamp"] = _details_stamp(order.placed_at)
    return rows


def _details_stamp(moment: datetime) -> str:
    return moment.astimezone(IST).strftime("%d-%m-%Y %I:%M:%S %p")


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


def position_row(position: PositionBook, scrip: FakeScrip) -> dict[str, Any]:
    last = scrip.last_price
    net, average = position.net_quantity, position.net_average or Decimal(0)
    buy_price, sell_price = position.average_buy or Decimal(0), position.average_sell or Decimal(0)
    buy_value, sell_value = position.bought_value, position.sold_value
    realised, unrealised = position.realized, position.unrealized(last)
    return {
        "tradingsymbol": scrip.tradingsymbol,
        "exchange": scrip.exchange,
        "instrument_token": int(scrip.token),
        "product": REPORTED_PRODUCT.get(position.book_product, position.book_product),
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
        "buy_quantity": position.bought,
        "buy_price": float(buy_price),
        "buy_value": float(buy_value),
        "buy_m2m": 0.0,
        "sell_quantity": position.sold,
        "sell_price": float(sell_price),
        "sell_value": float(sell_value),
        "sell_m2m": 0.0,
        "day_buy_quantity": position.bought,
        "day_buy_price": float(buy_price),
        "day_buy_value": float(buy_value),
        "day_sell_quantity": position.sold,
        "day_sell_price": float(sell_price),
        "day_sell_value": float(sell_value),
    }


def trade_row(fill: Fill, order: EngineOrder, scrip: FakeScrip) -> dict[str, Any]:
    return {
        "ALGO_ID": "",
        "BUY_SELL": "Buy" if fill.side is Side.BUY else "Sell",
        "CLIENT_ID": "MA0001",
        "EXCHANGE": scrip.exchange,
        "EXCH_ORDER_NUMBER": f"1000000{order.order_id[-6:]}",
        "EXPIRY_DATE": "",
        "FULL_SYMBOL": scrip.tradingsymbol,
        "ORDER_DATE_TIME": stamp(fill.at),
        "ORDER_NUMBER": order.order_id,
        "ORDER_TYPE": ORDER_TYPE_TEXT[order.order_type],
        "PRICE": float(fill.price),
        "PRODUCT": fill.book_product,
        "QUANTITY": fill.quantity,
        "SEC_ID": scrip.token,
        "SEGMENT": "D" if scrip.derivative else "E",
        "SYMBOL": scrip.tradingsymbol,
        "TRADE_NUMBER": fill.trade_id,
        "TRADE_VALUE": float(fill.price * fill.quantity),
        "REMARKS1": order.tag or "",
    }
