"""Exchange arithmetic every simulated order book shares: when a stop triggers, when a limit
can trade, which side of the market a stop must sit on, the price an order is valued at, and
one instrument's day position built from fills.

Pure and broker-neutral. The paper broker (a runtime adapter) and the fake matching engine of
``ordo-testing`` (test-only) both use it, so the rules are written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ordo.domain.enums import OrderType, Side

STOP_TYPES = frozenset({OrderType.SL, OrderType.SL_M})
PRICED_TYPES = frozenset({OrderType.LIMIT, OrderType.SL})


def stop_hit(side: Side, trigger: Decimal, last: Decimal) -> bool:
    """Whether the market reached a stop's trigger."""
    return last >= trigger if side is Side.BUY else last <= trigger


def stop_already_hit(side: Side, trigger: Decimal, last: Decimal) -> bool:
    """Whether a new stop sits on the wrong side of the market (it would trigger at once):
    a buy stop must be above the last price, a sell stop below it."""
    return trigger <= last if side is Side.BUY else trigger >= last


def limit_crossed(side: Side, limit: Decimal, last: Decimal) -> bool:
    """Whether a limit order can trade at the last price."""
    return last <= limit if side is Side.BUY else last >= limit


def stop_limit_inverted(side: Side, price: Decimal, trigger: Decimal) -> bool:
    """A stop-limit buy needs its price at or above the trigger, a sell at or below it."""
    return price < trigger if side is Side.BUY else price > trigger


def reference_price(
    order_type: OrderType, price: Decimal | None, trigger: Decimal | None, last: Decimal
) -> Decimal:
    """The price an order is valued at for margin: its limit, its trigger for SL-M, else
    the market."""
    if order_type in PRICED_TYPES and price is not None:
        return price
    if order_type is OrderType.SL_M and trigger is not None:
        return trigger
    return last


@dataclass
class DayPosition:
    """What was bought and sold today in one instrument and product."""

    bought: int = 0
    bought_value: Decimal = Decimal(0)
    sold: int = 0
    sold_value: Decimal = Decimal(0)

    def add_fill(self, side: Side, quantity: int, price: Decimal) -> None:
        if side is Side.BUY:
            self.bought += quantity
            self.bought_value += price * quantity
        else:
            self.sold += quantity
            self.sold_value += price * quantity

    @property
    def net_quantity(self) -> int:
        return self.bought - self.sold

    @property
    def average_buy(self) -> Decimal | None:
        return self.bought_value / self.bought if self.bought else None

    @property
    def average_sell(self) -> Decimal | None:
        return self.sold_value / self.sold if self.sold else None

    @property
    def net_average(self) -> Decimal | None:
        """The average of the open side: the buys when long, the sells when short."""
        net = self.net_quantity
        return self.average_buy if net > 0 else self.average_sell if net < 0 else None

    @property
    def realized(self) -> Decimal:
        """Profit on the quantity bought and sold back today."""
        closed = min(self.bought, self.sold)
        if not closed:
            return Decimal(0)
        assert self.average_buy is not None
        assert self.average_sell is not None
        return (self.average_sell - self.average_buy) * closed

    def unrealized(self, last_price: Decimal) -> Decimal:
        net = self.net_quantity
        if net > 0 and self.average_buy is not None:
            return (last_price - self.average_buy) * net
        if net < 0 and self.average_sell is not None:
            return (self.average_sell - last_price) * -net
        return Decimal(0)
