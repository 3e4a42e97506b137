"""The deterministic price feed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from ordo.adapters.errors import InstrumentNotFound, InvalidRequest
from ordo.domain import Exchange, SymbolRef
from ordo_adapter_mock.instruments import seeded_listings
from ordo_adapter_mock.prices import PriceFeed

LISTINGS = seeded_listings(date(2025, 1, 15))
SBIN = SymbolRef(exchange=Exchange.NSE, symbol="SBIN")


def snapshot(feed: PriceFeed) -> list[Decimal]:
    return [feed.last(item.instrument.ref) for item in LISTINGS]


def test_same_seed_same_prices_after_the_same_steps() -> None:
    first, second = PriceFeed(LISTINGS, seed=11), PriceFeed(LISTINGS, seed=11)
    assert snapshot(first) == snapshot(second)
    first.tick(5)
    second.tick(5)
    assert snapshot(first) == snapshot(second)
    assert first.steps == 5


def test_other_seed_other_prices() -> None:
    assert snapshot(PriceFeed(LISTINGS, seed=1)) != snapshot(PriceFeed(LISTINGS, seed=2))


def test_starting_prices_are_near_reference_and_on_tick() -> None:
    feed = PriceFeed(LISTINGS, seed=5)
    for item in LISTINGS:
        last = feed.last(item.instrument.ref)
        assert last % item.instrument.tick_size == 0
        assert abs(last - item.reference_price) <= item.reference_price * Decimal("0.021")


def test_random_walk_moves_and_stays_on_tick() -> None:
    feed = PriceFeed(LISTINGS, seed=5, volatility=0.01)
    before = snapshot(feed)
    feed.tick(3)
    after = snapshot(feed)
    assert before != after
    assert all(p > 0 and p % Decimal("0.05") == 0 for p in after)


def test_set_price_rounds_to_tick_and_tracks_high_low() -> None:
    feed = PriceFeed(LISTINGS, seed=0)
    assert feed.set_price(SBIN, "801.02") == Decimal("801.00")
    feed.set_price(SBIN, 850)
    feed.set_price(SBIN, "700.04")
    quote = feed.quote(SBIN)
    assert quote.last_price == Decimal("700.05")
    assert quote.high is not None
    assert quote.high >= Decimal("850")
    assert quote.low == Decimal("700.05")
    assert quote.bid == Decimal("700.00")
    assert quote.ask == Decimal("700.10")


@pytest.mark.parametrize("bad", ["0", "-5", "NaN"])
def test_set_price_refuses_non_positive(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        PriceFeed(LISTINGS).set_price(SBIN, bad)


def test_unknown_instrument() -> None:
    with pytest.raises(InstrumentNotFound):
        PriceFeed(LISTINGS).last(SymbolRef.parse("NSE:NOSUCH"))


def test_listeners_hear_every_move() -> None:
    feed = PriceFeed(LISTINGS, seed=0)
    heard: list[tuple[str, Decimal]] = []
    feed.subscribe(lambda key, price: heard.append((key[1], price)))
    feed.set_price(SBIN, "812.35")
    assert heard == [("SBIN", Decimal("812.35"))]
    feed.tick()
    assert len(heard) == 1 + len(LISTINGS)
