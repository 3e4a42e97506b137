"""Table-driven tests of the inbound vocabulary and date normalisers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from ordo.adapters.clock import IST
from ordo.domain import InstrumentType, OrderStatus, OrderType, Product, Side, Validity
from ordo_adapter_hdfc import normalise as n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Buy", Side.BUY),
        ("BUY", Side.BUY),
        ("b", Side.BUY),
        ("Sell", Side.SELL),
        ("SELL", Side.SELL),
    ],
)
def test_side(raw: str, expected: Side) -> None:
    assert n.side_from_broker(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MARKET", OrderType.MARKET),
        ("LIMIT", OrderType.LIMIT),
        ("SL", OrderType.SL),
        ("SL-L", OrderType.SL),
        ("SL-M", OrderType.SL_M),
        ("SLM", OrderType.SL_M),
        ("sl_m", OrderType.SL_M),
    ],
)
def test_order_type(raw: str, expected: OrderType) -> None:
    assert n.order_type_from_broker(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DELIVERY", Product.CNC),
        ("CNC", Product.CNC),
        ("MTF", Product.CNC),
        ("COLL-SELL", Product.CNC),
        ("ENCASH", Product.CNC),
        ("INTRADAY", Product.MIS),
        ("MIS", Product.MIS),
        ("OVERNIGHT", Product.NRML),
        ("NRML", Product.NRML),
    ],
)
def test_product(raw: str, expected: Product) -> None:
    assert n.product_from_broker(raw) is expected


@pytest.mark.parametrize(
    ("product", "derivative", "expected"),
    [
        (Product.CNC, False, "DELIVERY"),
        (Product.MIS, False, "INTRADAY"),
        (Product.MIS, True, "INTRADAY"),
        (Product.NRML, True, "OVERNIGHT"),
    ],
)
def test_product_to_broker(product: Product, derivative: bool, expected: str) -> None:
    assert n.product_to_broker(product, derivative=derivative) == expected


@pytest.mark.parametrize(("product", "derivative"), [(Product.CNC, True), (Product.NRML, False)])
def test_product_that_does_not_fit_the_segment_is_refused(
    product: Product, derivative: bool
) -> None:
    with pytest.raises(ValueError, match="use"):
        n.product_to_broker(product, derivative=derivative)


@pytest.mark.parametrize(
    ("raw", "filled", "expected"),
    [
        ("Traded", 0, OrderStatus.FILLED),
        ("Complete", 0, OrderStatus.FILLED),
        ("COMPLETE", 0, OrderStatus.FILLED),
        ("Rejected", 0, OrderStatus.REJECTED),
        ("Cancelled", 0, OrderStatus.CANCELLED),
        ("CANCEL_CONFIRMED", 0, OrderStatus.CANCELLED),
        ("Trigger Pending", 0, OrderStatus.TRIGGER_PENDING),
        ("Open", 0, OrderStatus.OPEN),
        ("Open", 5, OrderStatus.PARTIALLY_FILLED),
        ("PARTIAL_TRADE", 3, OrderStatus.PARTIALLY_FILLED),
        ("Pending", 0, OrderStatus.PENDING),
        ("After Market Order Req Received", 0, OrderStatus.PENDING),
        ("something new", 0, OrderStatus.PENDING),
        ("Expired", 0, OrderStatus.EXPIRED),
    ],
)
def test_status(raw: str, filled: int, expected: OrderStatus) -> None:
    assert n.status_from_broker(raw, filled) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("DAY", Validity.DAY), ("IOC", Validity.IOC), ("1", Validity.DAY), ("GTD", Validity.DAY)],
)
def test_validity(raw: str, expected: Validity) -> None:
    assert n.validity_from_broker(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CE", InstrumentType.CALL),
        ("Call", InstrumentType.CALL),
        ("CALL", InstrumentType.CALL),
        ("PE", InstrumentType.PUT),
        ("Put", InstrumentType.PUT),
        ("XX", None),
        ("", None),
    ],
)
def test_option_right(raw: str, expected: InstrumentType | None) -> None:
    assert n.option_right(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-06-27", date(2024, 6, 27)),
        ("20240627", date(2024, 6, 27)),
        ("30 APR 2024", date(2024, 4, 30)),
        ("27-JUN-24", date(2024, 6, 27)),
        ("27-Jun-2024", date(2024, 6, 27)),
        ("27/06/2024", date(2024, 6, 27)),
    ],
)
def test_dates(raw: str, expected: date) -> None:
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "31 FOO 2024", "2024/13/45", "yesterday"])
def test_bad_dates(raw: str) -> None:
    with pytest.raises(ValueError, match=r"date|month"):
        n.parse_date(raw)


def test_timestamp_is_ist() -> None:
    assert n.timestamp_or_none("30/04/2024 12:40:12") == datetime(
        2024, 4, 30, 12, 40, 12, tzinfo=IST
    )
    assert n.timestamp_or_none("") is None
    assert n.timestamp_or_none("garbage") is None


def test_expiry_goes_out_as_yyyymmdd() -> None:
    assert n.expiry_to_broker(date(2030, 1, 31)) == "20300131"


def test_pick_accepts_both_casings() -> None:
    assert n.pick({"tokenId": "a"}, "token_id") == "a"
    assert n.pick({"token_id": "b"}, "tokenId") == "b"
    assert n.pick({}, "token_id", "x") == "x"


def test_clean_symbol() -> None:
    assert n.clean_symbol("Nifty 50") == "NIFTY50"
    assert n.clean_symbol("M&M") == "M&M"
    assert n.clean_symbol("bajaj-auto") == "BAJAJ-AUTO"
