"""Pure m.Stock Type A JSON <-> Ordo domain functions.

Shapes are parsed loosely because m.Stock's own samples disagree: numbers arrive as numbers
or strings, empty values as ``null``, ``""`` or ``"None"``, flags as booleans or strings.
Broker symbols are turned into unified references by an injected ``Resolve`` callable backed
by the instrument master, with ``symbols.fallback_symbol`` when the master lacks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from ordo.adapters.values import parse_decimal, parse_int, parse_text, positive_decimal
from ordo.domain import (
    Exchange,
    Funds,
    Holding,
    Order,
    OrderHistoryEntry,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Profile,
    Quote,
    Side,
    SymbolRef,
    Trade,
    Validity,
    order_history,
)
from ordo.domain.enums import DERIVATIVE_EXCHANGES

from ordo_adapter_mirae.symbols import BROKER_EXCHANGES, fallback_symbol
from ordo_adapter_mirae.values import Row, lower_keys, parse_timestamp

Resolve = Callable[[str, str], SymbolRef | None]
"""(broker exchange, broker tradingsymbol) -> unified reference, or ``None``."""
ResolveToken = Callable[[str], SymbolRef | None]
"""broker instrument token -> unified reference, or ``None``."""


class MappingError(ValueError):
    """A reply did not have the shape m.Stock documents."""


# -- enums -------------------------------------------------------------------------------
PRODUCTS: dict[str, Product] = {
    "CNC": Product.CNC,
    "DELIVERY": Product.CNC,
    "MTF": Product.CNC,
    "MIS": Product.MIS,
    "INTRADAY": Product.MIS,
    "NRML": Product.NRML,
    "MARGIN": Product.NRML,
    "CARRYFORWARD": Product.NRML,
}
ORDER_TYPES: dict[str, OrderType] = {
    "MARKET": OrderType.MARKET,
    "MKT": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "L": OrderType.LIMIT,
    "SL": OrderType.SL,
    "STOP_LOSS": OrderType.SL,
    "STOPLOSS_LIMIT": OrderType.SL,
    "SL-M": OrderType.SL_M,
    "SLM": OrderType.SL_M,
    "SL_M": OrderType.SL_M,
    "STOP_LOSS_MARKET": OrderType.SL_M,
    "STOPLOSS_MARKET": OrderType.SL_M,
}
SIDES: dict[str, Side] = {"BUY": Side.BUY, "B": Side.BUY, "SELL": Side.SELL, "S": Side.SELL}
STATUSES: dict[str, OrderStatus] = {
    "transit": OrderStatus.PENDING,
    "o-pending": OrderStatus.PENDING,
    "validation pending": OrderStatus.PENDING,
    "put order req received": OrderStatus.PENDING,
    "pending": OrderStatus.OPEN,
    "open": OrderStatus.OPEN,
    "o-modified": OrderStatus.OPEN,
    "modified": OrderStatus.OPEN,
    "triggered": OrderStatus.OPEN,
    "trigger pending": OrderStatus.TRIGGER_PENDING,
    "traded": OrderStatus.FILLED,
    "trade confirmed": OrderStatus.FILLED,
    "complete": OrderStatus.FILLED,
    "executed": OrderStatus.FILLED,
    "rejected": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "o-cancelled": OrderStatus.CANCELLED,
    "expired": OrderStatus.EXPIRED,
}
"""Status spellings seen from m.Stock; the full set is undocumented, so an unknown status
counts as open (safer than terminal: the order may still fill)."""


def order_status(status: Any, filled: int, quantity: int) -> OrderStatus:
    mapped = STATUSES.get(parse_text(status).lower(), OrderStatus.OPEN)
    if mapped is OrderStatus.FILLED and 0 < filled < quantity:
        return OrderStatus.PARTIALLY_FILLED
    if mapped in (OrderStatus.OPEN, OrderStatus.TRIGGER_PENDING) and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return mapped


def product_of(value: Any, exchange: Exchange) -> Product:
    product = PRODUCTS.get(parse_text(value).upper())
    if product is not None:
        return product
    # An empty product is reported for carried positions; derivatives carry as NRML.
    return Product.NRML if exchange in DERIVATIVE_EXCHANGES else Product.CNC


def exchange_of(value: Any) -> Exchange | None:
    return BROKER_EXCHANGES.get(parse_text(value).upper())


def ref_of(exchange: Exchange, tradingsymbol: str, resolve: Resolve) -> SymbolRef:
    found = resolve(exchange.value, tradingsymbol)
    if found is not None:
        return found
    return SymbolRef(exchange=exchange, symbol=fallback_symbol(exchange, tradingsymbol))


def tag_of(value: Any) -> str | None:
    """``tag`` arrives as ``[]``, ``"None"``, ``"O1A2..."`` or ``["O1A2..."]``."""
    if isinstance(value, list | tuple):
        for item in value:
            text = parse_text(item)
            if text:
                return text
        return None
    return parse_text(value) or None


# -- funds -------------------------------------------------------------------------------
def fund_numbers(row: Row) -> dict[str, Decimal]:
    """The numeric fields of one ``fundsummary`` row, keyed upper-case; empty values and
    text fields (``SEG``, ``LIMIT_TYPE``) are left out."""
    numbers: dict[str, Decimal] = {}
    for key, value in row.items():
        number = parse_decimal(value)
        if number is not None:
            numbers[str(key).strip().upper()] = number
    return numbers


def funds_from_broker(data: Any) -> Funds:
    """``data`` is an array of segment rows; the ``SEG: "A"`` (all) row is preferred."""
    rows = [row for row in (data if isinstance(data, list) else [data]) if isinstance(row, dict)]
    if not rows:
        raise MappingError("fundsummary returned no rows")
    chosen = next((r for r in rows if parse_text(lower_keys(r).get("seg")).upper() == "A"), rows[0])
    numbers = fund_numbers(chosen)
    available = numbers.get("AVAILABLE_BALANCE", Decimal(0))
    used = numbers.get("AMOUNT_UTILIZED", Decimal(0))
    return Funds(
        available=available,
        used=used,
        total=available + used,
        collateral=numbers.get("COLLATERALS", Decimal(0)),
    )


# -- portfolio ---------------------------------------------------------------------------
def rows_of(data: Any, key: str | None = None) -> list[dict[str, Any]]:
    """A list of row dicts from ``data`` (``null``, ``"None"``, ``[]`` or a keyed object).

    Anything else is not a book at all: ``MappingError``, never an empty list (an empty
    order book would "prove" a lost order absent)."""
    if key is not None and isinstance(data, dict):
        data = data.get(key)
    if data is None or (isinstance(data, str) and data.strip() in ("None", "null", "")):
        return []
    if not isinstance(data, list):
        raise MappingError(f"expected a list of rows, got {type(data).__name__}")
    return [lower_keys(row) for row in data if isinstance(row, dict)]


def holding_from_broker(row: Row, by_token: ResolveToken) -> Holding:
    r = lower_keys(row)
    exchange = exchange_of(r.get("exchange")) or Exchange.NSE  # null exchange: NSE holding
    ref = by_token(parse_text(r.get("instrument_token")))
    symbol = ref.symbol if ref is not None else parse_text(r.get("tradingsymbol"))
    return Holding(
        exchange=ref.exchange if ref is not None else exchange,
        symbol=symbol,
        quantity=parse_int(r.get("quantity")),
        average_price=parse_decimal(r.get("average_price")) or Decimal(0),
        last_price=parse_decimal(r.get("last_price")),
        pnl=parse_decimal(r.get("pnl")),
        isin=parse_text(r.get("isin")) or None,
        t1_quantity=parse_int(r.get("t1_quantity")),
    )


def holdings_from_data(data: Any, by_token: ResolveToken) -> list[Holding]:
    return [holding_from_broker(row, by_token) for row in rows_of(data)]


def position_from_broker(row: Row, resolve: Resolve) -> Position | None:
    r = lower_keys(row)
    exchange = exchange_of(r.get("exchange"))
    if exchange is None:
        return None
    ref = ref_of(exchange, parse_text(r.get("tradingsymbol")), resolve)
    return Position(
        exchange=ref.exchange,
        symbol=ref.symbol,
        product=product_of(r.get("product"), exchange),
        quantity=parse_int(r.get("quantity")),
        average_price=parse_decimal(r.get("average_price")) or Decimal(0),
        last_price=parse_decimal(r.get("last_price")),
        buy_quantity=parse_int(r.get("buy_quantity")),
        sell_quantity=parse_int(r.get("sell_quantity")),
        buy_average=positive_decimal(r.get("buy_price")),
        sell_average=positive_decimal(r.get("sell_price")),
        realised_pnl=parse_decimal(r.get("realised")) or Decimal(0),
        unrealised_pnl=parse_decimal(r.get("unrealised")) or Decimal(0),
    )


def positions_from_data(data: Any, resolve: Resolve) -> list[Position]:
    """``data`` is ``{"net": [...], "day": ...}``; net positions are the ones that count."""
    mapped = (position_from_broker(row, resolve) for row in rows_of(data, "net"))
    return [p for p in mapped if p is not None]


# -- orders and trades -------------------------------------------------------------------
def order_from_broker(row: Row, resolve: Resolve) -> Order | None:
    """One order-book row; ``None`` for a row on an exchange Ordo does not know."""
    r = lower_keys(row)
    exchange = exchange_of(r.get("exchange"))
    side = SIDES.get(parse_text(r.get("transaction_type")).upper())
    if exchange is None or side is None:
        return None
    ref = ref_of(exchange, parse_text(r.get("tradingsymbol")), resolve)
    quantity = parse_int(r.get("quantity"))
    filled = parse_int(r.get("filled_quantity"))
    return Order(
        order_id=parse_text(r.get("order_id")),
        exchange=ref.exchange,
        symbol=ref.symbol,
        side=side,
        quantity=quantity,
        filled_quantity=filled,
        order_type=ORDER_TYPES.get(parse_text(r.get("order_type")).upper(), OrderType.LIMIT),
        product=product_of(r.get("product"), exchange),
        validity=Validity.IOC if parse_text(r.get("validity")).upper() == "IOC" else Validity.DAY,
        price=positive_decimal(r.get("price")),
        trigger_price=positive_decimal(r.get("trigger_price")),
        average_price=positive_decimal(r.get("average_price")),
        status=order_status(r.get("status"), filled, quantity),
        status_message=parse_text(r.get("status_message")),
        tag=tag_of(r.get("tag")),
        placed_at=parse_timestamp(r.get("order_timestamp")),
        updated_at=parse_timestamp(
            r.get("exchange_update_timestamp") or r.get("exchange_timestamp")
        ),
    )


def orders_from_data(data: Any, resolve: Resolve) -> list[Order]:
    mapped = (order_from_broker(row, resolve) for row in rows_of(data))
    return [o for o in mapped if o is not None and o.order_id]


def history_from_data(data: Any, order_id: str, resolve: Resolve) -> list[OrderHistoryEntry]:
    """The rows of ``order/details`` (the order's history) as steps, oldest first; rows of
    another order are ignored."""
    rows = [o for o in orders_from_data(data, resolve) if o.order_id == order_id]
    return order_history(rows)


def profile_from_session(extra: Mapping[str, str], account: str) -> Profile:
    """The user's profile from what the login's session object said (m.Stock's Type A API
    has no profile endpoint: its user calls are login, session, fund summary and logout,
    and the session object carries ``user_id``, ``user_name`` and ``email``)."""
    return Profile(
        client_id=extra.get("user_id") or account,
        name=extra.get("user_name", ""),
        email=extra.get("email") or None,
        broker="mirae",
    )


def _first(r: Row, *keys: str) -> Any:
    for key in keys:
        value = r.get(key)
        if parse_text(value):
            return value
    return None


def trade_from_broker(row: Row, resolve: Resolve) -> Trade | None:
    """A trade-book row. Type A's shape is undocumented: both the Kite-like lower-case keys
    and the upper-case keys of the Type B trade book are accepted."""
    r = lower_keys(row)
    exchange = exchange_of(_first(r, "exchange"))
    side = SIDES.get(parse_text(_first(r, "transaction_type", "buy_sell")).upper())
    price = parse_decimal(_first(r, "average_price", "price", "fill_price"))
    if exchange is None or side is None or price is None:
        return None
    ref = ref_of(exchange, parse_text(_first(r, "tradingsymbol", "symbol", "full_symbol")), resolve)
    return Trade(
        trade_id=parse_text(_first(r, "trade_id", "trade_number", "fillid")),
        order_id=parse_text(_first(r, "order_id", "order_number")),
        exchange=ref.exchange,
        symbol=ref.symbol,
        side=side,
        quantity=parse_int(_first(r, "quantity", "fill_size")),
        price=price,
        product=product_of(_first(r, "product"), exchange),
        traded_at=parse_timestamp(_first(r, "fill_timestamp", "order_date_time", "trade_time")),
        tag=tag_of(r.get("tag")),
    )


def trades_from_data(data: Any, resolve: Resolve) -> list[Trade]:
    mapped = (trade_from_broker(row, resolve) for row in rows_of(data))
    return [t for t in mapped if t is not None and t.trade_id]


def order_id_from(data: Any) -> str | None:
    """``{"order_id": "..."}``, possibly inside a list of one; ids may carry spaces."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        return None
    r = lower_keys(data)
    return parse_text(r.get("order_id") or r.get("orderid")) or None


# -- quotes ------------------------------------------------------------------------------
def quote_key(broker_exchange: str, tradingsymbol: str) -> str:
    """The ``i=`` value of a quote request, also the key of its reply."""
    return f"{broker_exchange}:{tradingsymbol}"


def quote_from_broker(ref: SymbolRef, entry: Any) -> Quote | None:
    """An ``ohlc`` or ``ltp`` reply entry -> ``Quote``; ``None`` when the entry is empty
    (``null`` or ``"None"`` for an unknown instrument) or lacks a last price."""
    if not isinstance(entry, dict):
        return None
    r = lower_keys(entry)
    last = parse_decimal(r.get("last_price"))
    if last is None:
        return None
    ohlc = r.get("ohlc")
    bars = lower_keys(ohlc) if isinstance(ohlc, dict) else {}
    return Quote(
        exchange=ref.exchange,
        symbol=ref.symbol,
        last_price=last,
        open=parse_decimal(bars.get("open")),
        high=parse_decimal(bars.get("high")),
        low=parse_decimal(bars.get("low")),
        close=parse_decimal(bars.get("close")),
        volume=parse_int(r.get("volume")) if parse_text(r.get("volume")) else None,
    )


def quote_entries(data: Any) -> dict[str, Any]:
    return dict(data) if isinstance(data, dict) else {}


def keys_missing(entries: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """Keys whose entry carries no last price (to be asked of the LTP endpoint)."""
    missing = []
    for key in keys:
        entry = entries.get(key)
        if (
            not isinstance(entry, dict)
            or parse_decimal(lower_keys(entry).get("last_price")) is None
        ):
            missing.append(key)
    return missing


def margin_from_broker(data: Any) -> Decimal:
    """``data.total`` of ``POST /margins/orders``: the order's required margin."""
    row = data[0] if isinstance(data, list) and data else data
    total = positive_or_zero(row.get("total")) if isinstance(row, Mapping) else None
    if total is None:
        raise MappingError("the margin reply has no usable total")
    return total


def positive_or_zero(value: Any) -> Decimal | None:
    number = parse_decimal(value)
    return number if number is not None and number >= 0 else None
