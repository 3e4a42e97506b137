"""A short-lived cache of instrument lookups for the pre-trade checks.

Every order needs its instrument (tradable, lot and tick size), and every lookup is an
adapter call with limiter, breaker and two audit events around it. The instrument master
changes once a day, so a lookup seconds old is as good as a fresh one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from ordo.domain import Instrument

DEFAULT_TTL_SECONDS = 10.0
MAX_ENTRIES = 10_000


class InstrumentCache:
    """Instruments found per (account, exchange, symbol), kept ``ttl_seconds``.

    Only found instruments are kept: a symbol that is missing is looked up again next time,
    so a master reloaded with it is seen at once. Errors are never cached.
    """

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        if ttl_seconds < 0:
            raise ValueError("ttl_seconds must not be negative")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[tuple[str, str, str], tuple[Instrument, float]] = {}

    async def get(
        self,
        account: str,
        exchange: str,
        symbol: str,
        fetch: Callable[[], Awaitable[Instrument | None]],
    ) -> Instrument | None:
        """The cached instrument, or ``fetch()``'s answer (kept when it found one)."""
        key = (account, exchange, symbol)
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and now - cached[1] < self.ttl_seconds:
            return cached[0]
        instrument = await fetch()
        if instrument is None:
            self._entries.pop(key, None)
            return None
        if len(self._entries) >= self.max_entries:
            # Bounded memory: start afresh rather than track recency on the hot path.
            self._entries.clear()
        self._entries[key] = (instrument, self._clock())
        return instrument

    def invalidate(self, account: str | None = None) -> None:
        """Forget one account's instruments (after a master reload), or all of them."""
        if account is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if k[0] == account]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
