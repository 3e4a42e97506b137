"""Pure mapping and error classification: broker JSON in, domain models and errors out."""

from decimal import Decimal

import httpx
import pytest
from ordo import (
    AuthFailed,
    Exchange,
    InstrumentNotFound,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
    Side,
)

from {{ cookiecutter.__package }} import mapping
from {{ cookiecutter.__package }}.errors import error_from_response

ORDER_ROW = {
    "order_no": "240000001",
    "token": "1001",
    "exch": "NSE",
    "sym": "TOYCO",
    "side": "B",
    "qty": 5,
    "filled": 0,
    "kind": "LMT",
    "product": "CNC",
    "price": "80.00",
    "avg": None,
    "state": "OPEN",
    "tag": "O0123456789ABCDE",
    "ts": 1735000000,
}


def test_order_from_json_maps_every_field() -> None:
    order = mapping.order_from_broker(ORDER_ROW)
    assert order.order_id == "240000001"
    assert (order.exchange, order.symbol, order.side) == (Exchange.NSE, "TOYCO", Side.BUY)
    assert (order.quantity, order.order_type, order.price) == (5, OrderType.LIMIT, Decimal("80"))
    assert order.status is OrderStatus.OPEN
    assert order.tag == "O0123456789ABCDE"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("OPEN", OrderStatus.OPEN),
        ("FILLED", OrderStatus.FILLED),
        ("CXL", OrderStatus.CANCELLED),
        ("REJ", OrderStatus.REJECTED),
    ],
)
def test_every_broker_state_has_a_status(state: str, status: OrderStatus) -> None:
    assert mapping.order_from_broker({**ORDER_ROW, "state": state}).status is status


def test_order_to_broker_carries_the_tag_and_the_broker_token() -> None:
    instrument = mapping.instrument_from_broker(
        {"token": "1001", "exch": "NSE", "sym": "TOYCO", "lot": 1, "tick": "0.05"}
    )
    request = OrderRequest(
        exchange=Exchange.NSE,
        symbol="TOYCO",
        side=Side.SELL,
        quantity=2,
        order_type=OrderType.LIMIT,
        price=Decimal("101.5"),
    )
    body = mapping.order_to_broker(request, instrument, "O0123456789ABCDE")
    assert body == {
        "token": "1001",
        "side": "S",
        "qty": 2,
        "kind": "LMT",
        "product": "CNC",
        "price": "101.5",
        "tag": "O0123456789ABCDE",
    }


def test_stop_orders_are_refused_by_the_mapping() -> None:
    instrument = mapping.instrument_from_broker({"token": "1", "exch": "NSE", "sym": "TOYCO"})
    request = OrderRequest(
        exchange=Exchange.NSE,
        symbol="TOYCO",
        side=Side.BUY,
        quantity=1,
        order_type=OrderType.SL_M,
        trigger_price=Decimal("120"),
    )
    with pytest.raises(ValueError, match="SL-M"):
        mapping.order_to_broker(request, instrument, "O0123456789ABCDE")


@pytest.mark.parametrize(
    ("status", "body", "headers", "write", "error"),
    [
        (401, {"code": "E_OTP"}, {}, False, AuthFailed),
        (401, {"code": "E_SESSION"}, {}, False, SessionExpired),
        (400, {"code": "E_SCRIP"}, {}, True, InstrumentNotFound),
        (400, {"code": "E_BLOCKED"}, {}, True, OrderRejected),
        (429, {"code": "E_RATE"}, {"Retry-After": "3"}, False, RateLimited),
        (502, {}, {}, True, OutcomeUnknown),
    ],
)
def test_errors_are_classified(
    status: int, body: dict[str, str], headers: dict[str, str], write: bool, error: type
) -> None:
    response = httpx.Response(status, json=body, headers=headers)
    assert type(error_from_response(response, write=write)) is error


def test_rate_limit_carries_the_retry_after_header() -> None:
    response = httpx.Response(429, json={"code": "E_RATE"}, headers={"Retry-After": "3"})
    error = error_from_response(response, write=False)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 3.0
