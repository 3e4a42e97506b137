"""Cash, day positions and holdings of the paper account.

The cash model is deliberately plain so tests can compute expected values by hand: every
BUY fill debits its full value, every SELL fill credits it, and there is no leverage. An open
short (a MIS or NRML position with negative net quantity) holds its sale proceeds plus an equal
margin, so shorting uses money like buying does:
``available = cash - blocked by open orders - 2 x entry value of open shorts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ordo.domain import Exchange, Funds, Holding, Position, Product, Side
from ordo.domain.matching import DayPosition

Key = tuple[Exchange, str]
PriceOf = Callable[[Key], Decimal]

AVERAGE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")


def _average(value: Decimal, quantity: int) -> Decimal:
    return (value / quantity).quantize(AVERAGE_PLACES)


def _rounded(average: Decimal | None) -> Decimal | None:
    return None if average is None else average.quantize(AVERAGE_PLACES)


@dataclass(slots=True)
class _Holding:
    quantity: int
    average_price: Decimal
    isin: str | None


class Ledger:
    """The money side of one paper account."""

    def __init__(self, starting_cash: Decimal) -> None:
        self.cash = Decimal(starting_cash)
        self._positions: dict[tuple[Key, Product], DayPosition] = {}
        self._holdings: dict[Key, _Holding] = {}

    # -- queries ---------------------------------------------------------------------
    def net_quantity(self, key: Key, product: Product) -> int:
        position = self._positions.get((key, product))
        return 0 if position is None else position.net_quantity

    def holding_quantity(self, key: Key) -> int:
        holding = self._holdings.get(key)
        return 0 if holding is None else holding.quantity

    def short_margin(self) -> Decimal:
        """Proceeds plus margin of every open MIS/NRML short (twice its entry value): held
        until the short is covered."""
        total = Decimal(0)
        for (_, product), position in self._positions.items():
            if product is not Product.CNC and position.net_quantity < 0:
                average = _rounded(position.average_sell) or Decimal(0)
                total += -position.net_quantity * average
        return 2 * total

    def funds(self, blocked: Decimal) -> Funds:
        used = blocked + self.short_margin()
        return Funds(available=self.cash - used, used=used, total=self.cash)

    # -- updates ---------------------------------------------------------------------
    def apply_fill(
        self,
        key: Key,
        side: Side,
        product: Product,
        quantity: int,
        price: Decimal,
        isin: str | None = None,
    ) -> None:
        """Book one fill: cash, the day position, and for CNC the holding."""
        value = price * quantity
        self._positions.setdefault((key, product), DayPosition()).add_fill(side, quantity, price)
        self.cash += -value if side is Side.BUY else value
        if product is Product.CNC:
            self._move_holding(key, side, quantity, price, isin)

    def add_holding(
        self, key: Key, quantity: int, average_price: Decimal, isin: str | None
    ) -> None:
        """Seed a holding carried from earlier days (no cash moves)."""
        self._move_holding(key, Side.BUY, quantity, average_price, isin)

    def _move_holding(
        self, key: Key, side: Side, quantity: int, price: Decimal, isin: str | None
    ) -> None:
        holding = self._holdings.get(key)
        if side is Side.BUY:
            if holding is None:
                self._holdings[key] = _Holding(quantity, price.quantize(AVERAGE_PLACES), isin)
            else:
                value = holding.average_price * holding.quantity + price * quantity
                holding.quantity += quantity
                holding.average_price = _average(value, holding.quantity)
            return
        # The broker only accepts CNC sells covered by holdings, so ``holding`` exists.
        if holding is not None:
            holding.quantity -= quantity
            if holding.quantity <= 0:
                del self._holdings[key]

    # -- reports ---------------------------------------------------------------------
    def positions(self, price_of: PriceOf) -> list[Position]:
        """Every (instrument, product) traded today, flat ones included."""
        result: list[Position] = []
        for (key, product), position in self._positions.items():
            last = price_of(key)
            result.append(
                Position(
                    exchange=key[0],
                    symbol=key[1],
                    product=product,
                    quantity=position.net_quantity,
                    average_price=_rounded(position.net_average) or Decimal(0),
                    last_price=last,
                    buy_quantity=position.bought,
                    sell_quantity=position.sold,
                    buy_average=_rounded(position.average_buy),
                    sell_average=_rounded(position.average_sell),
                    realised_pnl=position.realized.quantize(MONEY_PLACES),
                    unrealised_pnl=position.unrealized(last).quantize(MONEY_PLACES),
                )
            )
        return result

    def holdings(self, price_of: PriceOf) -> list[Holding]:
        result: list[Holding] = []
        for key, holding in self._holdings.items():
            last = price_of(key)
            pnl = (last - holding.average_price) * holding.quantity
            result.append(
                Holding(
                    exchange=key[0],
                    symbol=key[1],
                    quantity=holding.quantity,
                    average_price=holding.average_price,
                    last_price=last,
                    pnl=pnl.quantize(MONEY_PLACES),
                    isin=holding.isin,
                )
            )
        return result
