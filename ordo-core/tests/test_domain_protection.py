"""Market protection and freeze-quantity slicing as pure functions: the protective limit
price on either side of the tick, the order it becomes, and the child quantities."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from ordo.config import load_settings
from ordo.config.errors import ConfigError
from ordo.domain import OrderRequest, OrderType, Side
from ordo.domain.protection import (
    MarketProtection,
    as_protected_limit,
    protected_limit_price,
    with_protection_field,
)
from ordo.domain.slicing import slice_sizes
from ordo.safety.tags import is_order_tag, order_tag, slice_tag
from pydantic import ValidationError

D = Decimal
pytestmark = pytest.mark.usefixtures("clean_ordo_env")


@pytest.mark.parametrize(
    ("side", "reference", "pct", "tick", "expected"),
    [
        # 800 * 1.02 = 816.00 exactly on the tick: kept.
        (Side.BUY, "800", "2", "0.05", "816.00"),
        # 801.30 * 1.02 = 817.326: a buy is capped, so DOWN to 817.30 (never above the cap).
        (Side.BUY, "801.30", "2", "0.05", "817.30"),
        # 801.30 * 0.98 = 785.274: a sell takes at least the floor, so UP to 785.30.
        (Side.SELL, "801.30", "2", "0.05", "785.30"),
        # Exactly on a tick on the sell side stays put: 800 * 0.98 = 784.00.
        (Side.SELL, "800", "2", "0.05", "784.00"),
        # A one-paisa tick and a fractional percentage.
        (Side.BUY, "123.45", "0.5", "0.01", "124.06"),  # 124.06725 -> 124.06
        (Side.SELL, "123.45", "0.5", "0.01", "122.84"),  # 122.83275 -> 122.84
        # A coarse tick (2.5): a buy cap of 12.00 rounds down to 10.0, a sell floor of
        # 8.00 rounds up to 10.0.
        (Side.BUY, "10", "20", "2.5", "10.0"),
        (Side.SELL, "10", "20", "2.5", "10.0"),
        # Below one tick the price is one tick, never zero.
        (Side.SELL, "0.05", "20", "0.05", "0.05"),
        # Currency ticks (0.0025).
        (Side.BUY, "83.1234", "1", "0.0025", "83.9525"),  # 83.955634 -> 83.9525
    ],
)
def test_protected_limit_price_rounds_on_the_protective_side(
    side: Side, reference: str, pct: str, tick: str, expected: str
) -> None:
    price = protected_limit_price(side, D(reference), D(pct), D(tick))
    assert price == D(expected)
    assert price % D(tick) == 0
    cap = D(reference) * (100 + D(pct)) / 100
    floor = D(reference) * (100 - D(pct)) / 100
    if side is Side.BUY:
        assert price <= cap
    elif floor >= D(tick):
        assert price >= floor


@pytest.mark.parametrize(("pct", "tick"), [("0", "0.05"), ("20.01", "0.05"), ("-1", "0.05")])
def test_a_percentage_outside_the_range_or_a_bad_tick_is_refused(pct: str, tick: str) -> None:
    with pytest.raises(ValueError, match="market_protection_pct"):
        protected_limit_price(Side.BUY, D("100"), D(pct), D(tick))
    with pytest.raises(ValueError, match="positive"):
        protected_limit_price(Side.BUY, D("100"), D("2"), D("0"))


def _order(**extra: object) -> OrderRequest:
    fields: dict[str, object] = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 3}
    return OrderRequest.model_validate({**fields, **extra})


def test_a_market_order_becomes_a_protected_limit_and_sl_m_an_sl() -> None:
    sent, form = as_protected_limit(_order(), D("801.30"), D("2"), D("0.05"))
    assert (sent.order_type, sent.price, sent.quantity) == (OrderType.LIMIT, D("817.30"), 3)
    assert (form.order_type, form.price, form.protection) == (
        OrderType.LIMIT,
        D("817.30"),
        MarketProtection.LIMIT,
    )
    assert (form.reference_price, form.market_protection_pct) == (D("801.30"), D("2"))
    stop = _order(order_type="SL-M", side="SELL", trigger_price="790")
    sent, form = as_protected_limit(stop, D("790"), D("1"), D("0.05"))
    assert (sent.order_type, sent.price, sent.trigger_price) == (OrderType.SL, D("782.10"), D(790))
    assert form.order_type is OrderType.SL


def test_a_broker_with_a_protection_field_gets_the_order_unchanged_but_for_it() -> None:
    sent, form = with_protection_field(_order(), D("3"))
    assert (sent.order_type, sent.price, sent.market_protection_pct) == (
        OrderType.MARKET,
        None,
        D("3"),
    )
    assert (form.protection, form.price) == (MarketProtection.FIELD, None)


@pytest.mark.parametrize("pct", ["0", "20.5", "-2", "abc", 25])
def test_the_request_field_is_validated_in_its_range(pct: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _order(market_protection_pct=pct)
    assert caught.value.errors()[0]["loc"] == ("market_protection_pct",)
    assert _order(market_protection_pct="20").market_protection_pct == D("20")
    assert _order(market_protection_pct=0.5).market_protection_pct == D("0.5")


@pytest.mark.parametrize(
    ("quantity", "freeze", "sizes"),
    [(9000, 1800, [1800] * 5), (9001, 1800, [1800] * 5 + [1]), (1800, 1800, [1800]), (5, 10, [5])],
)
def test_slice_sizes(quantity: int, freeze: int, sizes: list[int]) -> None:
    assert slice_sizes(quantity, freeze) == sizes
    assert sum(slice_sizes(quantity, freeze)) == quantity


def test_slice_sizes_need_positive_numbers() -> None:
    with pytest.raises(ValueError, match="positive"):
        slice_sizes(10, 0)


def test_slice_tags_are_deterministic_and_distinct() -> None:
    tags = [slice_tag("default", "key-1", "paper", i) for i in range(5)]
    assert tags == [slice_tag("default", "key-1", "paper", i) for i in range(5)]
    assert len(set(tags)) == 5
    assert all(is_order_tag(t) for t in tags)
    assert order_tag("default", "key-1", "paper") not in tags
    assert slice_tag("default", "key-1", "desk", 0) not in tags
    assert slice_tag("default", "key-2", "paper", 0) not in tags


@pytest.mark.parametrize(
    ("compliance", "named"),
    [
        ({"market_protection_pct": 25}, "compliance.market_protection_pct"),
        ({"market_protection_pct": 0}, "compliance.market_protection_pct"),
        ({"freeze_quantities": {"NIFTY": 0}}, "compliance.freeze_quantities.NIFTY"),
        ({"freeze_quantities": {"bad name!": 5}}, "compliance.freeze_quantities"),
    ],
)
def test_a_bad_compliance_section_stops_the_start_naming_the_field(
    compliance: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)):
        load_settings(None, compliance=compliance)


def test_compliance_defaults_and_overrides() -> None:
    settings = load_settings(None, compliance={"freeze_quantities": {"nifty": 1200}})
    assert settings.compliance.market_protection_pct == D(2)
    # Underlyings are matched upper-case; the operator's table replaces the defaults.
    assert settings.compliance.freeze_quantities == {"NIFTY": 1200}
    assert settings.compliance.freeze_quantity("nifty") == 1200
    assert settings.compliance.freeze_quantity("BANKNIFTY") is None
    assert load_settings(None).compliance.freeze_quantity("BANKNIFTY") == 900
