"""Pure translations between OpenAlgo's vocabulary and Ordo's domain, both ways.

Symbols need no rewriting: OpenAlgo's symbology (``SBIN``, ``NIFTY30JAN25FUT``,
``NIFTY30JAN2521500CE``) is the unified form Ordo uses. Exchanges, products, price types
and actions share their names too, but OpenAlgo knows exchanges Ordo lacks; status strings,
timestamps and dates differ in form.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ordo.domain import (
    Exchange,
    Funds,
    Holding,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Quote,
    Side,
    Trade,
)
from ordo.domain.enums import InstrumentType

from ordo_openalgo.errors import FacadeError

IST = timezone(timedelta(hours=5, minutes=30), "IST")
TIMESTAMP_FORMAT = "%d-%b-%Y %H:%M:%S"
"""OpenAlgo's book timestamps: ``28-Nov-2024 09:59:10``, Indian time."""
EXPIRY_FORMAT = "%d-%b-%y"
"""OpenAlgo's expiry dates: ``30-JAN-25`` (upper case)."""

OPENALGO_ONLY_EXCHANGES = frozenset({"BCD", "NCDEX", "MCX_INDEX"})

_STATUS_TO_OPENALGO = {
    OrderStatus.PENDING: "open",
    OrderStatus.OPEN: "open",
    OrderStatus.PARTIALLY_FILLED: "open",
    OrderStatus.TRIGGER_PENDING: "trigger pending",
    OrderStatus.FILLED: "complete",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REJECTED: "rejected",
    # OpenAlgo has no "expired": an order the exchange dropped at day end was cancelled.
    OrderStatus.EXPIRED: "cancelled",
}
_STATUS_FROM_OPENALGO = {
    "open": OrderStatus.OPEN,
    "trigger pending": OrderStatus.TRIGGER_PENDING,
    "complete": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
}


def exchange(value: str) -> Exchange:
    """OpenAlgo's exchange code as Ordo's; codes Ordo lacks get a clear error."""
    code = value.strip().upper()
    if code in OPENALGO_ONLY_EXCHANGES:
        raise FacadeError(
            f"exchange {code} is not available in Ordo (available: "
            f"{', '.join(e.value for e in Exchange)})"
        )
    try:
        return Exchange(code)
    except ValueError:
        raise FacadeError(f"unknown exchange {value!r}") from None


def product(value: str) -> Product:
    try:
        return Product(value.strip().upper())
    except ValueError:
        raise FacadeError(f"unknown product {value!r} (CNC, NRML or MIS)") from None


def price_type(value: str) -> OrderType:
    try:
        return OrderType(value.strip().upper())
    except ValueError:
        raise FacadeError(f"unknown pricetype {value!r} (MARKET, LIMIT, SL or SL-M)") from None


def action(value: str) -> Side:
    try:
        return Side(value.strip().upper())
    except ValueError:
        raise FacadeError(f"unknown action {value!r} (BUY or SELL)") from None


def symbol(value: str) -> str:
    text = value.strip().upper()
    if not text:
        raise FacadeError("symbol is required")
    return text


def status_to_openalgo(status: OrderStatus) -> str:
    return _STATUS_TO_OPENALGO[status]


def status_from_openalgo(value: str) -> OrderStatus:
    try:
        return _STATUS_FROM_OPENALGO[value.strip().lower()]
    except KeyError:
        raise FacadeError(f"unknown order status {value!r}") from None


def timestamp_to_openalgo(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(IST).strftime(TIMESTAMP_FORMAT)


def timestamp_from_openalgo(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), TIMESTAMP_FORMAT).replace(tzinfo=IST)
    except ValueError:
        raise FacadeError(f"{text!r} is not a timestamp like 28-Nov-2024 09:59:10") from None


def expiry_to_openalgo(day: date) -> str:
    return day.strftime(EXPIRY_FORMAT).upper()


def expiry_from_openalgo(text: str) -> date:
    try:
        return datetime.strptime(text.strip().title(), EXPIRY_FORMAT).date()
    except ValueError:
        raise FacadeError(f"{text!r} is not an expiry like 30-JAN-25") from None


def number(value: Decimal | None) -> float:
    """A price or amount as OpenAlgo's JSON number (0.0 when absent)."""
    return float(value) if value is not None else 0.0


def money(value: Decimal) -> str:
    """Funds are strings with two decimals in OpenAlgo's responses."""
    return f"{value:.2f}"


def order_row(order: Order) -> dict[str, Any]:
    return {
        "action": order.side.value,
        "symbol": order.symbol,
        "exchange": order.exchange.value,
        "orderid": order.order_id,
        "product": order.product.value,
        "quantity": order.quantity,
        "price": number(order.price),
        "pricetype": order.order_type.value,
        "order_status": status_to_openalgo(order.status),
        "trigger_price": number(order.trigger_price),
        "average_price": number(order.average_price),
        "timestamp": timestamp_to_openalgo(order.placed_at),
    }


def order_statistics(orders: list[Order]) -> dict[str, int]:
    return {
        "total_buy_orders": sum(1 for o in orders if o.side is Side.BUY),
        "total_sell_orders": sum(1 for o in orders if o.side is Side.SELL),
        "total_completed_orders": sum(1 for o in orders if o.status is OrderStatus.FILLED),
        "total_open_orders": sum(1 for o in orders if o.status.is_open),
        "total_rejected_orders": sum(1 for o in orders if o.status is OrderStatus.REJECTED),
    }


def trade_row(trade: Trade) -> dict[str, Any]:
    return {
        "action": trade.side.value,
        "symbol": trade.symbol,
        "exchange": trade.exchange.value,
        "orderid": trade.order_id,
        "product": trade.product.value,
        "quantity": trade.quantity,
        "average_price": number(trade.price),
        "trade_value": number(trade.price * trade.quantity),
        "timestamp": timestamp_to_openalgo(trade.traded_at),
    }


def position_row(position: Position) -> dict[str, Any]:
    return {
        "symbol": position.symbol,
        "exchange": position.exchange.value,
        "product": position.product.value,
        "quantity": position.quantity,
        "average_price": f"{position.average_price:.2f}",
        "ltp": number(position.last_price),
        "pnl": number(position.realised_pnl + position.unrealised_pnl),
    }


def holding_row(holding: Holding) -> dict[str, Any]:
    invested = holding.average_price * holding.quantity
    pnl = holding.pnl if holding.pnl is not None else Decimal(0)
    return {
        "symbol": holding.symbol,
        "exchange": holding.exchange.value,
        "product": Product.CNC.value,
        "quantity": holding.quantity,
        "pnl": number(pnl),
        "pnlpercent": round(float(pnl / invested * 100), 2) if invested else 0.0,
    }


def holding_statistics(holdings: list[Holding]) -> dict[str, float]:
    invested = sum((h.average_price * h.quantity for h in holdings), Decimal(0))
    value = sum(((h.last_price or h.average_price) * h.quantity for h in holdings), Decimal(0))
    pnl = value - invested
    return {
        "totalholdingvalue": number(value),
        "totalinvvalue": number(invested),
        "totalprofitandloss": number(pnl),
        "totalpnlpercentage": round(float(pnl / invested * 100), 2) if invested else 0.0,
    }


def funds_data(funds: Funds, positions: list[Position]) -> dict[str, str]:
    return {
        "availablecash": money(funds.available),
        "collateral": money(funds.collateral),
        "m2mrealized": money(sum((p.realised_pnl for p in positions), Decimal(0))),
        "m2munrealized": money(sum((p.unrealised_pnl for p in positions), Decimal(0))),
        "utiliseddebits": money(funds.used),
    }


def quote_data(quote: Quote) -> dict[str, Any]:
    return {
        "ltp": number(quote.last_price),
        "open": number(quote.open),
        "high": number(quote.high),
        "low": number(quote.low),
        "prev_close": number(quote.close),
        "bid": number(quote.bid),
        "ask": number(quote.ask),
        "volume": quote.volume or 0,
        "oi": 0,
    }


def instrument_row(instrument: Instrument) -> dict[str, Any]:
    return {
        "symbol": instrument.symbol,
        "brsymbol": instrument.symbol,
        "name": instrument.name or instrument.underlying or instrument.symbol,
        "exchange": instrument.exchange.value,
        "brexchange": instrument.exchange.value,
        "token": instrument.broker_token or f"{instrument.exchange.value}:{instrument.symbol}",
        "instrumenttype": instrument.instrument_type.value,
        "expiry": expiry_to_openalgo(instrument.expiry) if instrument.expiry else "",
        "strike": number(instrument.strike) if instrument.strike is not None else -1.0,
        "lotsize": instrument.lot_size,
        "tick_size": number(instrument.tick_size),
    }


def derivative_kinds(instrument_type: str) -> frozenset[InstrumentType]:
    """OpenAlgo's ``instrumenttype`` of the expiry endpoint as Ordo's types."""
    kind = instrument_type.strip().lower()
    if kind == "futures":
        return frozenset({InstrumentType.FUTURE})
    if kind == "options":
        return frozenset({InstrumentType.CALL, InstrumentType.PUT})
    raise FacadeError(f"unknown instrumenttype {instrument_type!r} (futures or options)")
