"""A deterministic price feed for the paper broker.

Starting prices are the master's reference prices nudged by a seeded +/-2%, every price is on
its instrument's tick, and ``tick()`` takes one seeded random-walk step. The same seed and the
same sequence of ``set_price``/``tick`` calls always give the same quotes. Listeners hear every
move; the broker listens to match resting orders.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from ordo.adapters.errors import InstrumentNotFound, InvalidRequest
from ordo.domain import Exchange, Quote, SymbolRef

from ordo_adapter_mock.instruments import Listing, round_to_tick

Key = tuple[Exchange, str]
PriceListener = Callable[[Key, Decimal], None]

START_SPREAD = 0.02
"""Seeded starting prices fall within this fraction of the reference price."""


def key_of(ref: SymbolRef) -> Key:
    return (ref.exchange, ref.symbol)


@dataclass(slots=True)
class _Level:
    tick_size: Decimal
    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int = 0

    def move(self, price: Decimal) -> None:
        self.last = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)


class PriceFeed:
    """Last prices of every listed instrument; pure state, no clock unless asked for one."""

    def __init__(
        self,
        listings: Iterable[Listing],
        *,
        seed: int = 0,
        volatility: float = 0.002,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._rng = random.Random(f"{seed}:prices")  # noqa: S311 - simulation, not crypto
        self._volatility = volatility
        self._clock = clock or (lambda: datetime.now(UTC))
        self._levels: dict[Key, _Level] = {}
        self._listeners: list[PriceListener] = []
        self.steps = 0
        """How many ``tick()`` steps have been taken."""
        for listing in listings:
            tick = listing.instrument.tick_size
            nudge = Decimal(str(round(self._rng.uniform(-START_SPREAD, START_SPREAD), 6)))
            start = round_to_tick(listing.reference_price * (1 + nudge), tick)
            key = (listing.instrument.exchange, listing.instrument.symbol)
            self._levels[key] = _Level(tick, start, start, start, start, close=start)

    def subscribe(self, listener: PriceListener) -> None:
        """Call ``listener(key, price)`` after every price move."""
        self._listeners.append(listener)

    def _level(self, key: Key) -> _Level:
        try:
            return self._levels[key]
        except KeyError:
            raise InstrumentNotFound(f"{key[0].value}:{key[1]} is not quoted") from None

    def last(self, ref: SymbolRef | Key) -> Decimal:
        """The last traded price of ``ref``."""
        return self._level(ref if isinstance(ref, tuple) else key_of(ref)).last

    def quote(self, ref: SymbolRef) -> Quote:
        """A snapshot quote; bid and ask sit one tick either side of the last price."""
        level = self._level(key_of(ref))
        return Quote(
            exchange=ref.exchange,
            symbol=ref.symbol,
            last_price=level.last,
            open=level.open,
            high=level.high,
            low=level.low,
            close=level.close,
            volume=level.volume,
            bid=max(level.last - level.tick_size, level.tick_size),
            ask=level.last + level.tick_size,
            timestamp=self._clock(),
        )

    def set_price(self, ref: SymbolRef, price: Decimal | int | str) -> Decimal:
        """Move ``ref`` to ``price`` (rounded to its tick) and tell the listeners.

        Returns the price actually set."""
        key = key_of(ref)
        level = self._level(key)
        value = Decimal(price)
        if not value.is_finite() or value <= 0:
            raise InvalidRequest(f"a price must be positive, not {price}")
        self._apply(key, level, round_to_tick(value, level.tick_size))
        return level.last

    def tick(self, steps: int = 1) -> None:
        """Take ``steps`` random-walk steps: every instrument moves by a seeded normal
        fraction of its price (``volatility`` standard deviation), rounded to its tick."""
        for _ in range(steps):
            self.steps += 1
            for key, level in self._levels.items():
                change = Decimal(str(round(self._rng.gauss(0.0, self._volatility), 6)))
                self._apply(key, level, round_to_tick(level.last * (1 + change), level.tick_size))

    def add_volume(self, key: Key, quantity: int) -> None:
        self._level(key).volume += quantity

    def _apply(self, key: Key, level: _Level, price: Decimal) -> None:
        level.move(price)
        for listener in self._listeners:
            listener(key, price)
