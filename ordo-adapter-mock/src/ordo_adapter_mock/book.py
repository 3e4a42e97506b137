"""The paper broker's order book: entries, each order's history, the open-order index, tags,
trades and the money blocked by open orders. Storage only; matching lives in ``broker``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordo.adapters.errors import OrderNotFound
from ordo.domain import Instrument, Order, OrderHistoryEntry, Trade

from ordo_adapter_mock.prices import Key


@dataclass(slots=True)
class BookEntry:
    """An order with the broker-private state behind it."""

    order: Order
    instrument: Instrument
    key: Key
    blocked: Decimal = Decimal(0)
    awaiting_session: bool = False
    """An AMO not yet released to the exchange."""
    triggered: bool = False
    market_protection_pct: Decimal | None = None
    """The protection a MARKET or SL-M order arrived with (the paper broker's protection
    field): it may not fill further than this percentage from the market."""


class OrderBook:
    """Every order of the day, in placement order."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        order_numbers: Iterator[int] | None = None,
        trade_numbers: Iterator[int] | None = None,
    ) -> None:
        self._clock = clock
        self._entries: dict[str, BookEntry] = {}
        self._open: dict[Key, dict[str, BookEntry]] = {}
        self._by_tag: dict[str, list[str]] = {}
        self._trades: list[Trade] = []
        self._history: dict[str, list[OrderHistoryEntry]] = {}
        self._order_ids = order_numbers or itertools.count(1)
        self._trade_ids = trade_numbers or itertools.count(1)
        self.blocked = Decimal(0)
        """Money held by open orders."""

    def next_order_id(self) -> str:
        return f"PB{next(self._order_ids):010d}"

    def next_trade_id(self) -> str:
        return f"PT{next(self._trade_ids):010d}"

    # -- entries -----------------------------------------------------------------------
    def add(self, entry: BookEntry) -> None:
        self._entries[entry.order.order_id] = entry
        self._record(entry.order)
        if entry.order.tag is not None:
            self._by_tag.setdefault(entry.order.tag, []).append(entry.order.order_id)

    def get(self, order_id: str) -> BookEntry:
        try:
            return self._entries[order_id]
        except KeyError:
            raise OrderNotFound(f"order {order_id!r} is not in the paper order book") from None

    def orders(self) -> list[Order]:
        return [entry.order for entry in self._entries.values()]

    def orders_by_tag(self, tag: str) -> list[Order]:
        return [self._entries[oid].order for oid in self._by_tag.get(tag, ())]

    def update(self, entry: BookEntry, **fields: Any) -> None:
        """Replace the entry's (frozen) order with a copy carrying ``fields``."""
        fields["updated_at"] = self._clock()
        entry.order = entry.order.model_copy(update=fields)
        self._record(entry.order)

    def history(self, order_id: str) -> list[OrderHistoryEntry]:
        """Every state the order has been in, oldest first."""
        self.get(order_id)
        return list(self._history[order_id])

    def _record(self, order: Order) -> None:
        """Append the order's state to its history unless nothing a trader sees changed."""
        step = OrderHistoryEntry.of(order)
        steps = self._history.setdefault(order.order_id, [])
        if not steps or steps[-1].model_copy(update={"at": step.at}) != step:
            steps.append(step)

    # -- open orders -------------------------------------------------------------------
    def open(self, entry: BookEntry) -> None:
        self._open.setdefault(entry.key, {})[entry.order.order_id] = entry

    def close(self, entry: BookEntry) -> None:
        """Take ``entry`` off the open index and release its money."""
        self.release(entry)
        book = self._open.get(entry.key)
        if book is not None:
            book.pop(entry.order.order_id, None)

    def open_on(self, key: Key) -> list[BookEntry]:
        """Open entries of one instrument in time priority (a copy: safe to mutate under)."""
        return list(self._open.get(key, {}).values())

    def open_entries(self) -> list[BookEntry]:
        return [entry for book in self._open.values() for entry in book.values()]

    # -- money -------------------------------------------------------------------------
    def block(self, entry: BookEntry, amount: Decimal) -> None:
        self.release(entry)
        entry.blocked = amount
        self.blocked += amount

    def release(self, entry: BookEntry) -> None:
        self.blocked -= entry.blocked
        entry.blocked = Decimal(0)

    # -- trades ------------------------------------------------------------------------
    def add_trade(self, trade: Trade) -> None:
        self._trades.append(trade)

    def trades(self) -> list[Trade]:
        return list(self._trades)
