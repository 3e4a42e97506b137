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

Key = tuple[Exchange, str]
PriceOf = Callable[[Key], Decimal]

AVERAGE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")


def _average(value: Decimal, quantity: int) -> Decimal:
    return (value / quantity).quantize(AVERAGE_PLACES)


@dataclass(slots=True)
class _Position:
    buy_quantity: int = 0
    buy_value: Decimal = Decimal(0)
    sell_quantity: int = 0
    sell_value: Decimal = Decimal(0)

    @property
    def net(self) -> int:
        return self.buy_quantity - self.sell_quantity

    def buy_average(self) -> Decimal | None:
        return _average(self.buy_value, self.buy_quantity) if self.buy_quantity else None

    def sell_average(self) -> Decimal | None:
        return _average(self.sell_value, self.sell_quantity) if self.sell_quantity else None


@dataclass(slots=True)
class _Holding:
    quantity: int
    average_price: Decimal
    isin: str | None


class Ledger:
    """The money side of one paper account."""

    def __init__(self, starting_cash: Decimal) -> None:
        self.cash = Decimal(starting_cash)
        self._positions: dict[tuple[Key, Product], _Position] = {}
        self._holdings: dict[Key, _Holding] = {}

    # -- queries ---------------------------------------------------------------------
    def net_quantity(self, key: Key, product: Product) -> int:
        position = self._positions.get((key, product))
        return 0 if position is None else position.net

    def holding_quantity(self, key: Key) -> int:
        holding = self._holdings.get(key)
        return 0 if holding is None else holding.quantity

    def short_margin(self) -> Decimal:
        """Proceeds plus margin of every open MIS/NRML short (twice its entry value): held
        until the short is covered."""
        total = Decimal(0)
        for (_, product), position in self._positions.items():
            if product is not Product.CNC and position.net < 0:
                average = position.sell_average() or Decimal(0)
                total += -position.net * average
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
        position = self._positions.setdefault((key, product), _Position())
        if side is Side.BUY:
            self.cash -= value
            position.buy_quantity += quantity
            position.buy_value += value
        else:
            self.cash += value
            position.sell_quantity += quantity
            position.sell_value += value
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
            buy_avg, sell_avg = position.buy_average(), position.sell_average()
            net = position.net
            matched = min(position.buy_quantity, position.sell_quantity)
            realised = Decimal(0)
            if matched and buy_avg is not None and sell_avg is not None:
                realised = matched * (sell_avg - buy_avg)
            if net > 0 and buy_avg is not None:
                average, unrealised = buy_avg, net * (last - buy_avg)
            elif net < 0 and sell_avg is not None:
                average, unrealised = sell_avg, -net * (sell_avg - last)
            else:
                average, unrealised = Decimal(0), Decimal(0)
            result.append(
                Position(
                    exchange=key[0],
                    symbol=key[1],
                    product=product,
                    quantity=net,
                    average_price=average,
                    last_price=last,
                    buy_quantity=position.buy_quantity,
                    sell_quantity=position.sell_quantity,
                    buy_average=buy_avg,
                    sell_average=sell_avg,
                    realised_pnl=realised.quantize(MONEY_PLACES),
                    unrealised_pnl=unrealised.quantize(MONEY_PLACES),
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
