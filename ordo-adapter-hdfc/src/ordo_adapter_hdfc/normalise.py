"""Pure normalisers for the InvestRight API's inconsistent vocabularies.

The same concept arrives spelled differently per endpoint (REST ``Buy``/``SELL``, proto
``SLM``/``NRML``, order-book ``Call``/``30 APR 2024``, positions ``27-JUN-24``) and keys come
in snake_case or camelCase. Each function accepts every known spelling and raises
``ValueError`` on anything else, so callers decide how strict to be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from ordo.adapters.values import parse_ist_time
from ordo.domain import InstrumentType, OrderStatus, OrderType, Product, Side, Validity

_CAMEL_BOUNDARY = re.compile(r"_([a-z0-9])")
_SNAKE_BOUNDARY = re.compile(r"(?<=[a-z0-9])([A-Z])")


def camel(name: str) -> str:
    """``token_id`` -> ``tokenId``."""
    return _CAMEL_BOUNDARY.sub(lambda m: m.group(1).upper(), name)


def snake(name: str) -> str:
    """``tokenId`` -> ``token_id``."""
    return _SNAKE_BOUNDARY.sub(lambda m: "_" + m.group(1).lower(), name)


def pick(row: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """``row[name]`` under either casing; ``default`` when absent or ``None``."""
    for key in (name, camel(name), snake(name)):
        value = row.get(key)
        if value is not None:
            return value
    return default


def text(row: Mapping[str, Any], name: str) -> str:
    value = pick(row, name, "")
    return str(value).strip()


def _key(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


_SIDES = {"buy": Side.BUY, "b": Side.BUY, "sell": Side.SELL, "s": Side.SELL}


_T = TypeVar("_T")


def _known(table: dict[str, _T], value: str, field: str) -> _T:
    """The unified value of a broker word, or ``ValueError`` naming the field."""
    try:
        return table[_key(value)]
    except KeyError:
        raise ValueError(f"unknown {field} {value!r}") from None


def side_from_broker(value: str) -> Side:
    return _known(_SIDES, value, "transaction_type")


_ORDER_TYPES = {
    "market": OrderType.MARKET,
    "mkt": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "lmt": OrderType.LIMIT,
    "l": OrderType.LIMIT,
    "sl": OrderType.SL,
    "sl l": OrderType.SL,
    "stoploss": OrderType.SL,
    "stop loss": OrderType.SL,
    "sl m": OrderType.SL_M,
    "slm": OrderType.SL_M,
    "stoploss market": OrderType.SL_M,
}


def order_type_from_broker(value: str) -> OrderType:
    return _known(_ORDER_TYPES, value, "order_type")


def order_type_to_broker(order_type: OrderType) -> str:
    return order_type.value  # MARKET, LIMIT, SL, SL-M are the REST spellings


_PRODUCTS = {
    "delivery": Product.CNC,
    "cnc": Product.CNC,
    "mtf": Product.CNC,
    "coll sell": Product.CNC,
    "encash": Product.CNC,
    "intraday": Product.MIS,
    "mis": Product.MIS,
    "cover": Product.MIS,
    "overnight": Product.NRML,
    "nrml": Product.NRML,
    "carryforward": Product.NRML,
    "carry forward": Product.NRML,
}


def product_from_broker(value: str) -> Product:
    return _known(_PRODUCTS, value, "product")


def product_to_broker(product: Product, *, derivative: bool) -> str:
    """The REST product for a unified one; ``ValueError`` when it does not fit the segment."""
    if product is Product.MIS:
        return "INTRADAY"
    if derivative:
        if product is Product.NRML:
            return "OVERNIGHT"
        raise ValueError("CNC is for cash equity; use NRML or MIS for derivatives")
    if product is Product.CNC:
        return "DELIVERY"
    raise ValueError("NRML is for derivatives; use CNC or MIS for cash equity")


_VALIDITIES = {"day": Validity.DAY, "0": Validity.DAY, "1": Validity.DAY, "ioc": Validity.IOC}


def validity_from_broker(value: str) -> Validity:
    """``DAY``/``IOC``; the single-order trades endpoint returns codes ("1") and GTD has no
    unified counterpart, so anything else reads as DAY."""
    return _VALIDITIES.get(_key(value), Validity.DAY)


_STATUSES = {
    "traded": OrderStatus.FILLED,
    "complete": OrderStatus.FILLED,
    "completed": OrderStatus.FILLED,
    "executed": OrderStatus.FILLED,
    "filled": OrderStatus.FILLED,
    "fully executed": OrderStatus.FILLED,
    "rejected": OrderStatus.REJECTED,
    "unaccepted": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "cancel confirmed": OrderStatus.CANCELLED,
    "trigger pending": OrderStatus.TRIGGER_PENDING,
    "sl trigger confirmed": OrderStatus.TRIGGER_PENDING,
    "partially traded": OrderStatus.PARTIALLY_FILLED,
    "part traded": OrderStatus.PARTIALLY_FILLED,
    "partial trade": OrderStatus.PARTIALLY_FILLED,
    "partially executed": OrderStatus.PARTIALLY_FILLED,
    "open": OrderStatus.OPEN,
    "confirmed": OrderStatus.OPEN,
    "modified": OrderStatus.OPEN,
    "modify confirmed": OrderStatus.OPEN,
    "accepted": OrderStatus.OPEN,
    "pending": OrderStatus.PENDING,
    "validation pending": OrderStatus.PENDING,
    "put order req received": OrderStatus.PENDING,
    "after market order req received": OrderStatus.PENDING,
    "amo req received": OrderStatus.PENDING,
    "expired": OrderStatus.EXPIRED,
    "lapsed": OrderStatus.EXPIRED,
}


def status_from_broker(value: str, filled_quantity: int = 0) -> OrderStatus:
    """The unified status. An unknown word reads as PENDING: open orders are the safe
    assumption (nothing treats them as final)."""
    status = _STATUSES.get(_key(value), OrderStatus.PENDING)
    if filled_quantity > 0 and status in (OrderStatus.OPEN, OrderStatus.PENDING):
        return OrderStatus.PARTIALLY_FILLED
    return status


_RIGHTS = {
    "ce": InstrumentType.CALL,
    "call": InstrumentType.CALL,
    "c": InstrumentType.CALL,
    "pe": InstrumentType.PUT,
    "put": InstrumentType.PUT,
    "p": InstrumentType.PUT,
}


def option_right(value: str) -> InstrumentType | None:
    """CE/PE from ``CE``, ``Call``, ``CALL``...; ``None`` for futures (``XX``) and cash."""
    return _RIGHTS.get(_key(value))


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y")
_NAMED_MONTH = re.compile(r"^(\d{1,2})[\s\-/]([A-Za-z]{3})[A-Za-z]*[\s\-/](\d{2}|\d{4})$")


def parse_date(value: str) -> date:
    """Every date format the API uses: ``2024-06-27``, ``20240627``, ``30 APR 2024``,
    ``27-JUN-24``, ``27/06/2024``."""
    raw = value.strip()
    named = _NAMED_MONTH.match(raw)
    if named:
        day, month, year = named.groups()
        if month.upper() not in _MONTHS:
            raise ValueError(f"unknown month in {value!r}")
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return date(full_year, _MONTHS.index(month.upper()) + 1, int(day))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {value!r}")


def date_or_none(value: Any) -> date | None:
    if value is None or not str(value).strip():
        return None
    try:
        return parse_date(str(value))
    except ValueError:
        return None


def expiry_to_broker(expiry: date) -> str:
    """Orders carry ``YYYYMMDD`` (every sample does, despite the docs saying YYYY-MM-DD)."""
    return expiry.strftime("%Y%m%d")


_TIMESTAMP_FORMATS = ("%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S")


def timestamp_or_none(value: Any) -> datetime | None:
    """``30/04/2024 12:40:12`` (IST wall clock) as an aware datetime."""
    return parse_ist_time(value, _TIMESTAMP_FORMATS)


_SYMBOL_JUNK = re.compile(r"[^A-Z0-9&_\-.]")


def clean_symbol(value: str) -> str:
    """A master name as a unified symbol: upper case, spaces and other characters the
    unified pattern forbids removed (``Nifty 50`` -> ``NIFTY50``)."""
    return _SYMBOL_JUNK.sub("", value.strip().upper())
