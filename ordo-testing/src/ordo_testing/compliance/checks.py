"""Assertion helpers shared by the suite areas. Each failure message says what an adapter
author has to fix, because the author reads it far from this code."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from ordo.domain import (
    BrokerSession,
    LoginChallenge,
    Order,
    OrderRequest,
    OrderType,
    Product,
    Side,
)
from ordo.safety.tags import order_tag
from pydantic import BaseModel, SecretStr, ValidationError

from ordo_testing.harness import SampleInstruments

CAPABILITY_MARKER = "ordo_capability"
"""Marker naming what a suite test verifies: a ``Capability`` value or an area
(``session``, ``errors``, ``contract``). ``ordo adapters check`` builds its matrix from it."""

AREAS = ("contract", "session", "errors")
"""Rows of the capability matrix that are not capabilities: always required."""

_T = TypeVar("_T")

_SCALARS = (str, int, float, Decimal, datetime, date, time, Enum, SecretStr, type(None))
# Dict-valued fields the contract defines on purpose; everything else must be typed.
_DICT_FIELDS: tuple[tuple[type[BaseModel], str], ...] = (
    (LoginChallenge, "state"),
    (BrokerSession, "extra"),
)


def verifies(what: Capability | str) -> pytest.MarkDecorator:
    """Mark a suite test as verifying ``what`` (a capability or an area name)."""
    marker: pytest.MarkDecorator = getattr(pytest.mark, CAPABILITY_MARKER)(str(what))
    return marker


def require(adapter: BrokerAdapter | type[BrokerAdapter], capability: Capability) -> None:
    """Skip the calling test when ``capability`` is optional and not declared."""
    cls = adapter if isinstance(adapter, type) else type(adapter)
    if capability in cls.capabilities:
        return
    if capability in REQUIRED_CAPABILITIES:
        pytest.fail(f"{cls.__name__} does not declare the required capability {capability.value!r}")
    pytest.skip(f"{cls.__name__} does not declare the optional capability {capability.value!r}")


def _is_domain_model(value: BaseModel) -> bool:
    return any(k.__module__.startswith("ordo.domain") for k in type(value).__mro__)


def find_raw(value: Any, path: str = "result") -> str | None:
    """Where ``value`` holds something other than ``ordo.domain`` models, lists of them and
    plain scalars (raw broker JSON, a response object...); ``None`` when it holds none."""
    if isinstance(value, BaseModel):
        if not _is_domain_model(value):
            return f"{path} is a {type(value).__name__}, not an ordo.domain model"
        try:
            # model_construct skips validation: a model stuffed with raw values fails here.
            type(value).model_validate(value.model_dump(warnings=False))
        except ValidationError as exc:
            return f"{path} does not validate as {type(value).__name__}: {exc.errors()[0]}"
        for name in type(value).model_fields:
            if any(issubclass(type(value), k) and name == f for k, f in _DICT_FIELDS):
                continue
            found = find_raw(getattr(value, name), f"{path}.{name}")
            if found:
                return found
        extra = value.model_extra
        if extra:
            return f"{path} carries undeclared fields {sorted(extra)}"
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = find_raw(item, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        return f"{path} is a dict (raw broker JSON?): adapters return ordo.domain models"
    if isinstance(value, _SCALARS):
        return None
    return f"{path} is a {type(value).__name__}: adapters return ordo.domain models"


def assert_domain(value: Any, expected: type[_T]) -> _T:
    """Assert ``value`` is an ``expected`` instance holding no raw broker data."""
    found = find_raw(value)
    assert found is None, found
    assert isinstance(value, expected), f"expected {expected.__name__}, got {type(value).__name__}"
    return value


def assert_domain_list(value: Any, item_type: type[_T]) -> list[_T]:
    """Assert ``value`` is a list of ``item_type`` holding no raw broker data."""
    assert isinstance(value, list), f"expected a list, got {type(value).__name__}"
    found = find_raw(value)
    assert found is None, found
    for i, item in enumerate(value):
        assert isinstance(item, item_type), (
            f"result[{i}] is a {type(item).__qualname__}, expected {item_type.__name__}"
        )
    return value


def make_tag(nodeid: str, leg: int = 0) -> str:
    """A deterministic Ordo tag unique to one test and leg."""
    scope = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
    return order_tag(f"compliance-{scope}", nodeid, str(leg))


def resting_buy(samples: SampleInstruments, *, quantity: int = 1, **changes: Any) -> OrderRequest:
    """A BUY LIMIT at the sample's resting price: it stays open until cancelled."""
    fields: dict[str, Any] = {
        "exchange": samples.equity.exchange,
        "symbol": samples.equity.symbol,
        "side": Side.BUY,
        "quantity": quantity,
        "order_type": OrderType.LIMIT,
        "product": Product.CNC,
        "price": samples.resting_buy_price,
    }
    fields.update(changes)
    return OrderRequest(**fields)


def assert_matches_request(order: Order, request: OrderRequest, *, order_id: str, tag: str) -> None:
    """The book's view of an order agrees with what was sent."""
    assert order.order_id == order_id, f"order_id {order.order_id!r} != {order_id!r}"
    assert order.tag == tag, (
        f"order {order_id} carries tag {order.tag!r}, expected {tag!r}: the tag sent with "
        "place_order must come back from the broker's book"
    )
    assert (order.exchange, order.symbol) == (request.exchange, request.symbol), (
        f"order is for {order.exchange}:{order.symbol}, expected {request.exchange}:"
        f"{request.symbol}"
    )
    assert order.side is request.side, f"side {order.side} != {request.side}"
    assert order.quantity == request.quantity, f"quantity {order.quantity} != {request.quantity}"
    assert order.order_type is request.order_type, (
        f"order_type {order.order_type} != {request.order_type}"
    )
    if request.price is not None:
        assert order.price == request.price, f"price {order.price} != {request.price}"


def assert_open(order: Order, what: str) -> None:
    """A resting order must be reported open (PENDING, OPEN or TRIGGER_PENDING)."""
    assert order.status.is_open, (
        f"{what}: a resting order is reported {order.status.value}; expected an open status"
    )
    assert order.filled_quantity == 0, (
        f"{what}: a resting order reports {order.filled_quantity} filled; expected none"
    )


def one_with_id(orders: list[Order], order_id: str, where: str) -> Order:
    """The single order with ``order_id`` in ``orders``."""
    found = [o for o in orders if o.order_id == order_id]
    assert len(found) == 1, (
        f"{where} holds {len(found)} orders with id {order_id!r}; expected exactly one "
        f"(ids present: {[o.order_id for o in orders]})"
    )
    return found[0]


def secret_values(session: BrokerSession) -> list[str]:
    """The secret strings of a session, to check nothing prints them."""
    values = [session.access_token.get_secret_value()]
    if session.refresh_token is not None:
        values.append(session.refresh_token.get_secret_value())
    # Very short tokens would match by accident anywhere; real tokens are long.
    return [v for v in values if len(v) >= 6]
