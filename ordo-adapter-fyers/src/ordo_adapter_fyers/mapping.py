"""Pure mapping between Fyers JSON and Ordo's domain models. No I/O.

Functions that need a unified symbol for a Fyers ticker take a ``resolve`` callable (the
instrument catalog, with a text fallback) so they stay pure and testable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.values import parse_decimal, parse_int, parse_ist_time
from ordo.domain import (
    Funds,
    Holding,
    Order,
    OrderModification,
    OrderRequest,
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
)

Resolve = Callable[[str], SymbolRef]

ORDER_TYPE_CODES: dict[OrderType, int] = {
    OrderType.LIMIT: 1,
    OrderType.MARKET: 2,
    OrderType.SL_M: 3,
    OrderType.SL: 4,
}
ORDER_TYPES_BY_CODE = {code: kind for kind, code in ORDER_TYPE_CODES.items()}
SIDE_CODES: dict[Side, int] = {Side.BUY: 1, Side.SELL: -1}
PRODUCT_CODES: dict[Product, str] = {
    Product.CNC: "CNC",
    Product.MIS: "INTRADAY",
    Product.NRML: "MARGIN",
}
# CO and BO are intraday products; MTF positions are delivery-like.
PRODUCTS_BY_CODE: dict[str, Product] = {
    "CNC": Product.CNC,
    "INTRADAY": Product.MIS,
    "MARGIN": Product.NRML,
    "CO": Product.MIS,
    "BO": Product.MIS,
    "MTF": Product.CNC,
}
STATUS_CANCELLED, STATUS_TRADED, STATUS_TRANSIT, STATUS_REJECTED = 1, 2, 4, 5
STATUS_PENDING, STATUS_EXPIRED = 6, 7
_TAG_PREFIX = re.compile(r"^[12]:")
_UNTAGGED = "UNTAGGED"
FYERS_TAG = re.compile(r"^[A-Za-z0-9]{1,30}$")


# -- scalars -----------------------------------------------------------------------------
def price_field(value: Decimal | None) -> float:
    """Fyers wants 0 for an absent price."""
    return float(value) if value is not None else 0.0


def parse_order_time(text: Any) -> datetime | None:
    """``"09-Mar-2023 09:34:38"`` (IST) -> aware datetime; ``None`` when unreadable."""
    return parse_ist_time(text, ("%d-%b-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"))


def parse_epoch(value: Any) -> datetime | None:
    seconds = parse_int(value, 0)
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def tag_from_broker(value: Any) -> str | None:
    """Fyers reports ``orderTag`` as ``1:<user tag>`` / ``2:<system tag>`` and ``Untagged``
    for none; return the bare user tag."""
    if not isinstance(value, str):
        return None
    bare = _TAG_PREFIX.sub("", value.strip())
    if not bare or bare.upper() == _UNTAGGED:
        return None
    return bare


# -- orders out ---------------------------------------------------------------------------
def order_to_broker(order: OrderRequest, ticker: str, tag: str) -> dict[str, Any]:
    """The JSON body of ``POST /orders/sync``."""
    if not FYERS_TAG.match(tag):
        raise ValueError(f"Fyers orderTag must be 1-30 alphanumerics, got {tag!r}")
    return {**_order_fields(order, ticker), "orderTag": tag}


def margin_request_to_broker(order: OrderRequest, ticker: str) -> dict[str, Any]:
    """The JSON body of ``POST /multiorder/margin`` for one order: the place-order fields,
    without a tag (nothing is placed)."""
    return {"data": [_order_fields(order, ticker)]}


def margin_from_broker(data: Any) -> Decimal:
    """``data.margin_total`` of the margin calculator's reply: the order's required margin."""
    total = parse_decimal(data.get("margin_total")) if isinstance(data, Mapping) else None
    if total is None or total < 0:
        raise ValueError(f"no usable margin_total in {data!r:.200}")
    return total


def profile_from_broker(data: Any) -> Profile:
    """``data`` of ``GET /profile``."""
    if not isinstance(data, Mapping) or not data.get("fy_id"):
        raise ValueError("the profile has no fy_id")
    return Profile(
        client_id=str(data["fy_id"]),
        name=str(data.get("name") or ""),
        email=str(data["email_id"]) if data.get("email_id") else None,
        phone=str(data["mobile_number"]) if data.get("mobile_number") else None,
        broker="fyers",
    )


def _order_fields(order: OrderRequest, ticker: str) -> dict[str, Any]:
    return {
        "symbol": ticker,
        "qty": order.quantity,
        "type": ORDER_TYPE_CODES[order.order_type],
        "side": SIDE_CODES[order.side],
        "productType": PRODUCT_CODES[order.product],
        "limitPrice": price_field(order.price),
        "stopPrice": price_field(order.trigger_price),
        "validity": order.validity.value,
        "disclosedQty": order.disclosed_quantity,
        "offlineOrder": order.amo,
        "stopLoss": 0,
        "takeProfit": 0,
    }


def modification_to_broker(
    order_id: str, changes: OrderModification, current_type: OrderType
) -> dict[str, Any]:
    """The JSON body of ``PATCH /orders/sync``. Fyers requires ``type`` on every modify;
    fields left out keep their value at the broker."""
    if changes.validity is not None:
        raise ValueError("Fyers cannot change the validity of an open order")
    new_type = changes.order_type or current_type
    body: dict[str, Any] = {"id": order_id, "type": ORDER_TYPE_CODES[new_type]}
    if changes.quantity is not None:
        body["qty"] = changes.quantity
    if new_type in (OrderType.MARKET, OrderType.SL_M):
        body["limitPrice"] = 0.0
    elif changes.price is not None:
        body["limitPrice"] = float(changes.price)
    if new_type in (OrderType.MARKET, OrderType.LIMIT):
        body["stopPrice"] = 0.0
    elif changes.trigger_price is not None:
        body["stopPrice"] = float(changes.trigger_price)
    return body


# -- orders in ----------------------------------------------------------------------------
def order_status(code: Any, filled: int, quantity: int) -> OrderStatus:
    """Fyers status code -> unified status (1 cancelled, 2 traded, 4 transit, 5 rejected,
    6 pending, 7 expired); unknown codes read as pending."""
    status = parse_int(code, -1)
    if status == STATUS_CANCELLED:
        return OrderStatus.CANCELLED
    if status == STATUS_TRADED:
        return OrderStatus.FILLED
    if status == STATUS_REJECTED:
        return OrderStatus.REJECTED
    if status == STATUS_EXPIRED:
        return OrderStatus.EXPIRED
    if status == STATUS_PENDING:
        return OrderStatus.PARTIALLY_FILLED if 0 < filled < quantity else OrderStatus.OPEN
    return OrderStatus.PENDING


def order_from_broker(item: Mapping[str, Any], resolve: Resolve) -> Order:
    """One ``orderBook[]`` entry as an ``Order``."""
    ref = resolve(str(item.get("symbol", "")))
    quantity = parse_int(item.get("qty"))
    filled = parse_int(item.get("filledQty"))
    order_type = ORDER_TYPES_BY_CODE.get(parse_int(item.get("type"), 2), OrderType.MARKET)
    limit = parse_decimal(item.get("limitPrice"))
    stop = parse_decimal(item.get("stopPrice"))
    traded = parse_decimal(item.get("tradedPrice"))
    return Order(
        order_id=str(item.get("id", "")),
        exchange=ref.exchange,
        symbol=ref.symbol,
        side=Side.BUY if parse_int(item.get("side"), 1) == 1 else Side.SELL,
        quantity=quantity,
        filled_quantity=filled,
        order_type=order_type,
        product=PRODUCTS_BY_CODE.get(str(item.get("productType", "")).upper(), Product.MIS),
        validity=Validity.IOC if str(item.get("orderValidity")).upper() == "IOC" else Validity.DAY,
        price=limit if limit and order_type in (OrderType.LIMIT, OrderType.SL) else None,
        trigger_price=stop if stop and order_type in (OrderType.SL, OrderType.SL_M) else None,
        average_price=traded if traded else None,
        status=order_status(item.get("status"), filled, quantity),
        status_message=str(item.get("message") or ""),
        tag=tag_from_broker(item.get("orderTag")),
        placed_at=parse_order_time(item.get("orderDateTime")),
    )


def trade_from_broker(item: Mapping[str, Any], resolve: Resolve) -> Trade:
    """One ``tradeBook[]`` entry as a ``Trade``."""
    ref = resolve(str(item.get("symbol", "")))
    return Trade(
        trade_id=str(item.get("tradeNumber", "")),
        order_id=str(item.get("orderNumber", "")),
        exchange=ref.exchange,
        symbol=ref.symbol,
        side=Side.BUY if parse_int(item.get("side"), 1) == 1 else Side.SELL,
        quantity=parse_int(item.get("tradedQty")),
        price=parse_decimal(item.get("tradePrice")) or Decimal(0),
        product=PRODUCTS_BY_CODE.get(str(item.get("productType", "")).upper(), Product.MIS),
        traded_at=parse_order_time(item.get("orderDateTime")),
        tag=tag_from_broker(item.get("orderTag")),
    )


# -- portfolio ----------------------------------------------------------------------------
AVAILABLE_BALANCE_ID = 10
_FUND_TITLES = {
    "total balance": 1,
    "utilized amount": 2,
    "clear balance": 3,
    "collaterals": 5,
    "available balance": 10,
}


def funds_from_broker(lines: Any, *, available_id: int = 10, segments: str = "equity") -> Funds:
    """``fund_limit[]`` -> ``Funds``. Lines are matched on ``id`` (stable), on the title
    when the id is missing; ``segments`` picks equity, commodity or both ledger amounts."""
    by_id: dict[int, Decimal] = {}
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, Mapping):
            continue
        line_id = parse_int(line.get("id"), -1)
        if line_id == -1:
            line_id = _FUND_TITLES.get(str(line.get("title", "")).strip().lower(), -1)
        equity = parse_decimal(line.get("equityAmount")) or Decimal(0)
        commodity = parse_decimal(line.get("commodityAmount")) or Decimal(0)
        by_id[line_id] = {"equity": equity, "commodity": commodity}.get(
            segments, equity + commodity
        )
    if available_id not in by_id:
        raise ValueError(f"the funds reply has no line with id {available_id}")
    available = by_id[available_id]
    collateral = by_id.get(5, Decimal(0))
    total = by_id.get(1, available)
    if available_id == AVAILABLE_BALANCE_ID:
        # "Available Balance" already counts the collateral margin; "Total Balance" is the
        # cash ledger alone, so the total the account can use is their sum.
        total += collateral
    return Funds(
        available=available,
        used=by_id.get(2, Decimal(0)),
        total=total,
        collateral=collateral,
    )


def holding_from_broker(item: Mapping[str, Any], resolve: Resolve) -> Holding:
    ref = resolve(str(item.get("symbol", "")))
    return Holding(
        exchange=ref.exchange,
        symbol=ref.symbol,
        quantity=parse_int(item.get("remainingQuantity", item.get("quantity"))),
        average_price=parse_decimal(item.get("costPrice")) or Decimal(0),
        last_price=parse_decimal(item.get("ltp")),
        pnl=parse_decimal(item.get("pl")),
        isin=str(item["isin"]) if item.get("isin") else None,
        t1_quantity=parse_int(item.get("qty_t1")),
    )


def position_from_broker(item: Mapping[str, Any], resolve: Resolve) -> Position:
    ref = resolve(str(item.get("symbol", "")))
    return Position(
        exchange=ref.exchange,
        symbol=ref.symbol,
        product=PRODUCTS_BY_CODE.get(str(item.get("productType", "")).upper(), Product.MIS),
        quantity=parse_int(item.get("netQty")),
        average_price=parse_decimal(item.get("netAvg", item.get("avgPrice"))) or Decimal(0),
        last_price=parse_decimal(item.get("ltp")),
        buy_quantity=parse_int(item.get("buyQty")),
        sell_quantity=parse_int(item.get("sellQty")),
        buy_average=parse_decimal(item.get("buyAvg")) if parse_int(item.get("buyQty")) else None,
        sell_average=parse_decimal(item.get("sellAvg")) if parse_int(item.get("sellQty")) else None,
        realised_pnl=parse_decimal(item.get("realized_profit")) or Decimal(0),
        unrealised_pnl=parse_decimal(item.get("unrealized_profit")) or Decimal(0),
    )


def quote_from_broker(item: Mapping[str, Any], ref: SymbolRef) -> Quote | None:
    """One ``d[]`` entry of ``/data/quotes``; ``None`` when the item reports an error."""
    values = item.get("v")
    if str(item.get("s", "ok")) != "ok" or not isinstance(values, Mapping):
        return None
    last = parse_decimal(values.get("lp"))
    if last is None:
        return None
    volume = values.get("volume")
    return Quote(
        exchange=ref.exchange,
        symbol=ref.symbol,
        last_price=last,
        open=parse_decimal(values.get("open_price")),
        high=parse_decimal(values.get("high_price")),
        low=parse_decimal(values.get("low_price")),
        close=parse_decimal(values.get("prev_close_price")),
        volume=parse_int(volume) if volume is not None else None,
        bid=parse_decimal(values.get("bid")),
        ask=parse_decimal(values.get("ask")),
        timestamp=parse_epoch(values.get("tt")),
    )
