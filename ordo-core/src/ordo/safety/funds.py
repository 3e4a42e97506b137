"""Funds for the pre-trade funds check: a short-lived cache and local reservations.

Fetching funds on every order would double the broker calls and the latency, so funds are
cached for a few seconds. Between refreshes, money taken by orders still in flight is held
in ``Reservations`` and subtracted from the cached figure, so a burst of orders cannot
spend the same rupee twice. An order that reached the broker (or may have) keeps its money
counted as ``spent`` until funds are read again after it: the cached figure predates it, so
the cache is kept across orders and the funds check stays as strict as a fresh read.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

from ordo.domain import Funds


@dataclass
class _Entry:
    funds: Funds
    fetched_at: float


class FundsCache:
    """Per-account funds, cached for ``ttl_seconds``, fetched once for concurrent callers."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_seconds < 0:
            raise ValueError("ttl_seconds must not be negative")
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[Funds]] = {}
        # Bumped by invalidate(): a fetch started before it must not refill the cache.
        self._generation: dict[str, int] = {}
        self.fetches = 0

    async def get(self, account: str, fetch: Callable[[], Awaitable[Funds]]) -> Funds:
        """Cached funds of ``account``, or the result of one shared ``fetch()``.

        Concurrent callers share one fetch (single flight); its error reaches each of them
        and nothing is cached. Cancelling one caller does not cancel the shared fetch.
        """
        entry = self._entries.get(account)
        if entry is not None and self._clock() - entry.fetched_at < self.ttl_seconds:
            return entry.funds
        task = self._inflight.get(account)
        if task is None:
            # The generation is taken now, not when the task first runs, so an invalidate()
            # in between is noticed.
            generation = self._generation.get(account, 0)
            task = asyncio.ensure_future(self._fetch(account, fetch, generation))
            self._inflight[account] = task
            task.add_done_callback(lambda t: self._finished(account, t))
        return await asyncio.shield(task)

    def invalidate(self, account: str) -> None:
        """Forget ``account``'s funds (after an order fills or is rejected for funds)."""
        self._entries.pop(account, None)
        self._generation[account] = self._generation.get(account, 0) + 1
        # A fetch already running may predate the change; the next caller starts afresh.
        self._inflight.pop(account, None)

    def peek(self, account: str) -> Funds | None:
        """The cached funds if still fresh, without fetching."""
        entry = self._entries.get(account)
        if entry is None or self._clock() - entry.fetched_at >= self.ttl_seconds:
            return None
        return entry.funds

    async def _fetch(
        self, account: str, fetch: Callable[[], Awaitable[Funds]], generation: int
    ) -> Funds:
        self.fetches += 1
        funds = await fetch()
        if self._generation.get(account, 0) == generation:
            self._entries[account] = _Entry(funds, self._clock())
        return funds

    def _finished(self, account: str, task: asyncio.Task[Funds]) -> None:
        if self._inflight.get(account) is task:
            del self._inflight[account]
        if not task.cancelled():
            # Mark the error retrieved: callers that were cancelled never will.
            task.exception()


@dataclass(frozen=True)
class Reservation:
    """A hold on ``amount`` of ``account``'s funds; pass it back to ``release``."""

    id: int
    account: str
    amount: Decimal


class Reservations:
    """Money held by orders in flight, and money spent by orders the cached funds do not
    show yet, per account."""

    def __init__(self) -> None:
        self._held: dict[int, Reservation] = {}
        self._totals: dict[str, Decimal] = {}
        self._ids = itertools.count(1)
        self._spent: dict[str, list[tuple[int, Decimal]]] = {}
        """Per account: (sequence number, amount) of each order spent since funds were read."""
        self._spent_totals: dict[str, Decimal] = {}
        self._sequence = 0

    def reserve(self, account: str, amount: Decimal) -> Reservation:
        """Hold ``amount`` (not negative) for an order about to be sent."""
        if amount < 0:
            raise ValueError("a reservation amount must not be negative")
        token = Reservation(next(self._ids), account, amount)
        self._held[token.id] = token
        self._totals[account] = self._totals.get(account, Decimal(0)) + amount
        return token

    def try_reserve(self, account: str, amount: Decimal, available: Decimal) -> Reservation | None:
        """Check and hold in one step: reserve ``amount`` only if it fits in ``available``
        minus what is already held, else return ``None``. Nothing can slip in between."""
        if self.committed(account) + amount > available:
            return None
        return self.reserve(account, amount)

    def spend(self, token: Reservation) -> None:
        """The order holding ``token`` reached the broker (or may have): its money stays
        counted, as spent, until funds are read after this (``funds_read``)."""
        if self._held.get(token.id) is None:
            return
        self.release(token)
        self._sequence += 1
        self._spent.setdefault(token.account, []).append((self._sequence, token.amount))
        self._spent_totals[token.account] = self.spent(token.account) + token.amount

    def mark(self) -> int:
        """Take before reading funds; pass to ``funds_read`` once the read succeeded."""
        return self._sequence

    def funds_read(self, account: str, mark: int) -> None:
        """Funds of ``account`` were read after ``mark``: orders spent before it are in
        that figure, so they stop counting here."""
        spent = self._spent.get(account)
        if not spent:
            return
        kept = [entry for entry in spent if entry[0] > mark]
        if kept:
            self._spent[account] = kept
            self._spent_totals[account] = sum((amount for _, amount in kept), Decimal(0))
        else:
            del self._spent[account]
            del self._spent_totals[account]

    def spent(self, account: str) -> Decimal:
        """Money spent by orders of ``account`` that the last funds read may not show."""
        return self._spent_totals.get(account, Decimal(0))

    def committed(self, account: str) -> Decimal:
        """Money held or spent: what the cached funds no longer have."""
        return self.total(account) + self.spent(account)

    def release(self, token: Reservation) -> None:
        """Drop a hold; releasing twice is harmless."""
        if self._held.pop(token.id, None) is None:
            return
        remaining = self._totals[token.account] - token.amount
        if remaining:
            self._totals[token.account] = remaining
        else:
            del self._totals[token.account]

    def total(self, account: str) -> Decimal:
        """Money currently held for ``account`` by orders in flight."""
        return self._totals.get(account, Decimal(0))

    def count(self, account: str) -> int:
        return sum(1 for r in self._held.values() if r.account == account)

    @asynccontextmanager
    async def hold(self, account: str, amount: Decimal) -> AsyncIterator[Reservation]:
        """Hold ``amount`` for the duration of the block (the broker call)."""
        token = self.reserve(account, amount)
        try:
            yield token
        finally:
            self.release(token)
