"""The exchange arithmetic the paper broker and the fake matching engine share."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.domain import OrderType, Side
from ordo.domain.matching import (
    DayPosition,
    limit_crossed,
    reference_price,
    stop_already_hit,
    stop_hit,
    stop_limit_inverted,
)

D = Decimal


@pytest.mark.parametrize(
    ("side", "trigger", "last", "hit"),
    [
        (Side.BUY, "710", "709.95", False),
        (Side.BUY, "710", "710", True),
        (Side.SELL, "690", "690.05", False),
        (Side.SELL, "690", "690", True),
    ],
)
def test_a_stop_triggers_when_the_market_reaches_it(
    side: Side, trigger: str, last: str, hit: bool
) -> None:
    assert stop_hit(side, D(trigger), D(last)) is hit


@pytest.mark.parametrize(
    ("side", "trigger", "already"),
    [(Side.BUY, "700.05", False), (Side.BUY, "700", True), (Side.SELL, "699.95", False)],
)
def test_a_new_stop_must_sit_beyond_the_last_price(side: Side, trigger: str, already: bool) -> None:
    assert stop_already_hit(side, D(trigger), D("700")) is already
    assert stop_already_hit(Side.SELL, D("700"), D("700"))


def test_limits_and_stop_limits() -> None:
    assert limit_crossed(Side.BUY, D("700"), D("700"))
    assert not limit_crossed(Side.BUY, D("699.95"), D("700"))
    assert limit_crossed(Side.SELL, D("700"), D("700.05"))
    assert not limit_crossed(Side.SELL, D("700.10"), D("700.05"))
    assert stop_limit_inverted(Side.BUY, D("699"), D("700"))
    assert not stop_limit_inverted(Side.BUY, D("700"), D("700"))
    assert stop_limit_inverted(Side.SELL, D("701"), D("700"))


def test_reference_price_is_limit_then_trigger_then_market() -> None:
    last = D("700")
    assert reference_price(OrderType.LIMIT, D("690"), None, last) == D("690")
    assert reference_price(OrderType.SL, D("712"), D("710"), last) == D("712")
    assert reference_price(OrderType.SL_M, None, D("710"), last) == D("710")
    assert reference_price(OrderType.MARKET, None, None, last) == last


def test_day_position_averages_and_profit() -> None:
    position = DayPosition()
    assert (position.net_quantity, position.net_average, position.realized) == (0, None, D(0))
    position.add_fill(Side.BUY, 10, D("100"))
    position.add_fill(Side.BUY, 10, D("110"))
    position.add_fill(Side.SELL, 5, D("120"))
    assert (position.net_quantity, position.average_buy, position.average_sell) == (
        15,
        D("105"),
        D("120"),
    )
    assert position.net_average == D("105")
    assert position.realized == D("75")  # 5 x (120 - 105)
    assert position.unrealized(D("100")) == D("-75")  # 15 x (100 - 105)
    position.add_fill(Side.SELL, 20, D("100"))
    assert (position.net_quantity, position.net_average) == (-5, D("104"))  # 2500 / 25
    assert position.unrealized(D("110")) == D("-30")  # 5 x (104 - 110)
