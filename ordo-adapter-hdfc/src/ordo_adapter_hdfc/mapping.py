"""Pure mapping between InvestRight JSON and Ordo's domain models.

Book rows identify instruments by ``security_id`` (for F&O the exchange token, in the trade
book the underlying's name), so every row mapper takes a ``resolve`` callable over the
instrument master and falls back to rebuilding the unified symbol from the row's own
derivative fields when the master does not know the id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ordo.adapters.values import decimal_or_zero, parse_decimal, parse_int, positive_decimal
from ordo.domain import (
    Exchange,
    Funds,
    Holding,
    InstrumentType,
    Order,
    OrderModification,
    OrderRequest,
    OrderType,
    Position,
    Product,
    Profile,
    Quote,
    Trade,
    derivative_symbol,
)
from ordo.domain.orders import check_prices
from ordo.safety.tags import tag_from_number, tag_to_number

from ordo_adapter_hdfc.master import (
    FUTURE_SEGMENTS,
    OPTION_SEGMENTS,
    HdfcInstrument,
    unified_exchange,
)
from ordo_adapter_hdfc.normalise import (
    clean_symbol,
    date_or_none,
    expiry_to_broker,
    option_right,
    order_type_from_broker,
    order_type_to_broker,
    pick,
    product_from_broker,
    product_to_broker,
    side_from_broker,
    status_from_broker,
    text,
    timestamp_or_none,
    validity_from_broker,
)

Resolve = Callable[[str, str], HdfcInstrument | None]
"""(parent exchange, broker id) -> the master's instrument, or ``None``."""
Row = Mapping[str, Any]


# -- envelopes ---------------------------------------------------------------------------
def unwrap(body: Any) -> Any:
    """The payload: ``body["data"]`` when the reply is enveloped, else the body itself."""
    if isinstance(body, Mapping) and "data" in body:
        return body["data"]
    return body


def rows(body: Any) -> list[Row]:
    """A list payload as rows. A lone object counts as a list of one, ``null`` as none;
    anything else is not a book (``ValueError``), never an empty one: an empty order
    book would "prove" a lost order absent."""
    data = unwrap(body)
    if data is None:
        return []
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"expected rows, got {type(data).__name__}")
    return [row for row in data if isinstance(row, Mapping)]


def position_rows(body: Any) -> list[Row]:
    """Positions sit under ``data.net``; tolerate a bare list too."""
    data = unwrap(body)
    if isinstance(data, Mapping):
        data = data.get("net", data.get("positions", []))
    return rows({"data": data})


def login_field(body: Any, name: str) -> str:
    """A login-step field under either casing, enveloped in ``data`` or not."""
    for source in (body, unwrap(body)):
        if isinstance(source, Mapping):
            value = pick(source, name)
            if value is not None and str(value).strip():
                return str(value).strip()
    return ""


def order_id_from_reply(body: Any) -> str | None:
    """The ``order_id`` of a write's success reply (``data`` object or list of one)."""
    for row in rows(body):
        value = text(row, "order_id")
        if value:
            return value
    return None


# -- tags --------------------------------------------------------------------------------
def tag_to_reference(tag: str) -> str:
    """``external_reference_number`` is numeric (at most 20 characters): the tag's decimal
    form, at most 19 digits."""
    return tag_to_number(tag)


def reference_to_broker(tag: str, *, as_number: bool = True) -> int | str:
    """The ``external_reference_number`` value sent for ``tag``: a JSON number as the docs
    show (``as_number``), else the same digits as a string."""
    digits = tag_to_reference(tag)
    return int(digits) if as_number else digits


def _reference_digits(reference: str) -> str:
    # The book may echo the reference with a letter prefix ("STAPI..."); keep the digits.
    return reference.strip().lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def tag_from_reference(reference: str) -> str | None:
    """The Ordo tag a book reference carries, or ``None``."""
    digits = _reference_digits(reference)
    return tag_from_number(digits) if digits else None


def reference_matches(reference: str, tag: str) -> bool:
    """Whether a book row's reference is ``tag``'s, allowing leading zeros and a prefix."""
    digits = _reference_digits(reference)
    return bool(digits) and digits.isdigit() and int(digits) == int(tag_to_reference(tag))


# -- instruments in rows -----------------------------------------------------------------
def symbol_of(row: Row, resolve: Resolve) -> tuple[Exchange, str]:
    """The unified exchange and symbol of a book, trade or position row."""
    parent = text(row, "exchange").upper() or "NSE"
    security_id = text(row, "security_id")
    segment = text(row, "instrument_segment").upper()
    derivative = segment in FUTURE_SEGMENTS or segment in OPTION_SEGMENTS
    found = resolve(parent, security_id) if security_id else None
    # The trade book puts the underlying's *name* in security_id: a derivative row must not
    # resolve to the underlying's cash or index instrument.
    if found is not None and found.is_derivative == derivative:
        return found.instrument.exchange, found.instrument.symbol
    if derivative:
        rebuilt = _derivative_from_row(row, parent, segment, resolve)
        if rebuilt is not None:
            return rebuilt
    exchange = unified_exchange(parent, "EQUITY", "") or Exchange.NSE
    name = text(row, "tradingsymbol") or security_id or text(row, "isin")
    return exchange, clean_symbol(name) or "UNKNOWN"


def _derivative_from_row(
    row: Row, parent: str, segment: str, resolve: Resolve
) -> tuple[Exchange, str] | None:
    expiry = date_or_none(pick(row, "expiry_date"))
    exchange = unified_exchange(parent, segment, "")
    underlying_id = text(row, "underlying_symbol")
    underlying = resolve(parent, underlying_id) if underlying_id else None
    name = underlying.instrument.symbol if underlying else clean_symbol(underlying_id)
    if not name:
        name = clean_symbol(text(row, "company_name") or text(row, "security_id"))
    if expiry is None or exchange is None or not name:
        return None
    if segment in FUTURE_SEGMENTS:
        return exchange, derivative_symbol(name, expiry, InstrumentType.FUTURE)
    right = option_right(text(row, "option_type"))
    strike = positive_decimal(pick(row, "strike_price"))
    if right is None or strike is None:
        return None
    return exchange, derivative_symbol(name, expiry, right, strike)


def _is_derivative_row(row: Row) -> bool:
    segment = text(row, "instrument_segment").upper()
    return segment in FUTURE_SEGMENTS or segment in OPTION_SEGMENTS


def _product(row: Row) -> Product:
    raw = text(row, "product")
    try:
        return product_from_broker(raw)
    except ValueError:
        # An unknown product word must not hide an order: default by segment.
        return product_from_broker("OVERNIGHT" if _is_derivative_row(row) else "DELIVERY")


# -- portfolio ---------------------------------------------------------------------------
def funds_from_broker(body: Any) -> Funds:
    """``data.equity`` of ``/user/margins``."""
    data = unwrap(body)
    if not isinstance(data, Mapping):
        raise ValueError(f"expected the margins object, got {type(data).__name__}")
    equity = data.get("equity", data)
    if not isinstance(equity, Mapping):
        raise ValueError(f"expected the equity margins, got {type(equity).__name__}")
    details = pick(equity, "total_limit_details", {})
    collateral = pick(details, "pledge_limit") if isinstance(details, Mapping) else None
    return Funds(
        available=decimal_or_zero(pick(equity, "total_available_limit")),
        used=decimal_or_zero(pick(equity, "total_utilised_limit")),
        total=decimal_or_zero(pick(equity, "total_limit")),
        collateral=decimal_or_zero(collateral),
    )


def holding_from_broker(row: Row, resolve: Resolve) -> Holding:
    """A holdings row. Mutual-fund rows have no ``security_id``: the ISIN stands in."""
    isin = text(row, "isin") or None
    exchange, symbol = symbol_of(row, resolve)
    if not text(row, "security_id") and isin:
        symbol = clean_symbol(isin)
    average = decimal_or_zero(pick(row, "average_price"))
    quantity = parse_int(pick(row, "quantity"))
    close = positive_decimal(pick(row, "close_price"))
    pnl = (close - average) * quantity if close is not None else None
    if exchange not in (Exchange.NSE, Exchange.BSE):
        exchange = Exchange.NSE
    return Holding(
        exchange=exchange,
        symbol=symbol,
        quantity=quantity,
        average_price=average,
        last_price=close,
        pnl=pnl,
        isin=isin,
    )


def position_from_broker(row: Row, resolve: Resolve) -> Position:
    """A ``data.net`` row. The API carries no LTP or unrealised P&L."""
    exchange, symbol = symbol_of(row, resolve)
    net = parse_int(pick(row, "net_qty"))
    buy_avg = positive_decimal(pick(row, "average_buy_price"))
    sell_avg = positive_decimal(pick(row, "average_sell_price"))
    average = buy_avg if net > 0 else sell_avg if net < 0 else None
    return Position(
        exchange=exchange,
        symbol=symbol,
        product=_product(row),
        quantity=net,
        average_price=average or Decimal(0),
        buy_quantity=parse_int(pick(row, "total_buy_quantity")),
        sell_quantity=parse_int(pick(row, "total_sell_qty", pick(row, "total_sell_quantity"))),
        buy_average=buy_avg,
        sell_average=sell_avg,
        realised_pnl=decimal_or_zero(pick(row, "realised_pl_overall_position")),
    )


# -- orders and trades -------------------------------------------------------------------
def order_from_broker(row: Row, resolve: Resolve) -> Order:
    """An order-book row (``GET /orders`` or ``/orders/{id}``)."""
    exchange, symbol = symbol_of(row, resolve)
    filled = parse_int(pick(row, "filled_quantity"))
    message = text(row, "status_message") or text(row, "status_message_raw")
    reference = text(row, "external_reference_number")
    return Order(
        order_id=text(row, "order_id"),
        exchange=exchange,
        symbol=symbol,
        side=side_from_broker(text(row, "transaction_type")),
        quantity=parse_int(pick(row, "quantity")),
        filled_quantity=filled,
        order_type=order_type_from_broker(text(row, "order_type")),
        product=_product(row),
        validity=validity_from_broker(text(row, "validity")),
        price=positive_decimal(pick(row, "price")),
        trigger_price=positive_decimal(pick(row, "trigger_price")),
        average_price=positive_decimal(pick(row, "average_price")),
        status=status_from_broker(text(row, "status"), filled),
        status_message=message,
        tag=tag_from_reference(reference) if reference else None,
        placed_at=timestamp_or_none(pick(row, "order_timestamp")),
        updated_at=timestamp_or_none(pick(row, "exchange_timestamp")),
    )


def trade_from_broker(row: Row, resolve: Resolve) -> Trade:
    """A trade-book row, snake_case (``/trades``) or camelCase (``/orders/{id}/trades``)."""
    exchange, symbol = symbol_of(row, resolve)
    return Trade(
        trade_id=text(row, "trade_id"),
        order_id=text(row, "order_id"),
        exchange=exchange,
        symbol=symbol,
        side=side_from_broker(text(row, "transaction_type")),
        quantity=parse_int(pick(row, "filled_quantity")),
        price=decimal_or_zero(pick(row, "average_price")),
        product=_product(row),
        traded_at=timestamp_or_none(pick(row, "fill_timestamp")),
    )


def quote_from_broker(row: Row, item: HdfcInstrument) -> Quote | None:
    """An LTP row; ``None`` when it carries no price."""
    last = parse_decimal(pick(row, "ltp"))
    if last is None:
        return None
    return Quote(
        exchange=item.instrument.exchange,
        symbol=item.instrument.symbol,
        last_price=last,
        close=parse_decimal(pick(row, "prev_close")),
    )


def ltp_request(items: Sequence[HdfcInstrument]) -> dict[str, Any]:
    """The ``PUT /fetch-ltp`` body: exchange tokens, not security ids."""
    return {"data": [{"exchange": i.ltp_exchange, "token": i.exch_security_id} for i in items]}


def ltp_key(exchange: str, token: Any) -> tuple[str, str]:
    """Replies carry ``token`` as a number: match on its string form."""
    raw = str(token).strip()
    if raw.endswith(".0"):
        raw = raw[:-2]
    return exchange.strip().upper(), raw


def _money(value: Decimal | None) -> float:
    # JSON numbers; the broker's samples send floats. Prices have at most 4 decimals.
    return float(value) if value is not None else 0.0


def order_to_broker(
    order: OrderRequest, item: HdfcInstrument, tag: str, *, reference_as_number: bool = True
) -> dict[str, Any]:
    """The ``POST /orders/regular`` body. ``ValueError`` when the order cannot be expressed
    (product not valid for the segment)."""
    body: dict[str, Any] = {
        "exchange": item.parent_exchange,
        "security_id": item.security_id,
        "instrument_segment": item.segment,
        "transaction_type": order.side.value,
        "product": product_to_broker(order.product, derivative=item.is_derivative),
        "order_type": order_type_to_broker(order.order_type),
        "quantity": order.quantity,
        "price": _money(order.price),
        "trigger_price": _money(order.trigger_price),
        "disclosed_quantity": order.disclosed_quantity,
        "validity": order.validity.value,
        "amo": order.amo,
        "external_reference_number": reference_to_broker(tag, as_number=reference_as_number),
    }
    instrument = item.instrument
    if item.is_derivative and instrument.expiry is not None:
        body["expiry_date"] = expiry_to_broker(instrument.expiry)
        body["underlying_symbol"] = item.underlying_id
        if instrument.strike is not None:
            body["strike_price"] = _money(instrument.strike)
            body["option_type"] = item.option_type
    return body


def modification_to_broker(current: Row, changes: OrderModification) -> dict[str, Any]:
    """The ``PUT /orders/regular/{id}`` body: all eight mutable fields, copied from the
    current book row and overridden by ``changes``. ``ValueError`` when the result is not a
    consistent order (a MARKET order with a price, an SL without a trigger...)."""
    order_type = changes.order_type or order_type_from_broker(text(current, "order_type"))
    price = changes.price if changes.price is not None else positive_decimal(pick(current, "price"))
    trigger = (
        changes.trigger_price
        if changes.trigger_price is not None
        else positive_decimal(pick(current, "trigger_price"))
    )
    if order_type in (OrderType.MARKET, OrderType.SL_M):
        price = None
    if order_type in (OrderType.MARKET, OrderType.LIMIT):
        trigger = None
    check_prices(order_type, price, trigger)
    validity = changes.validity.value if changes.validity else text(current, "validity") or "DAY"
    amo = pick(current, "amo")
    if amo is None:
        amo = text(current, "order_slot").upper() == "AMO"
    return {
        "quantity": changes.quantity or parse_int(pick(current, "quantity")),
        "order_type": order_type_to_broker(order_type),
        "validity": validity,
        "disclosed_quantity": parse_int(pick(current, "disclosed_quantity")),
        "product": text(current, "product"),
        "price": _money(price),
        "trigger_price": _money(trigger),
        "amo": bool(amo),
    }


def profile_from_broker(body: Any) -> Profile:
    """The first row of ``/v3/user/profile`` (``user_id``, ``user_name``)."""
    found = rows(body)
    if not found or not found[0].get("user_id"):
        raise ValueError("the profile has no user_id")
    row = found[0]
    return Profile(
        client_id=str(row["user_id"]), name=str(row.get("user_name") or ""), broker="hdfc"
    )
