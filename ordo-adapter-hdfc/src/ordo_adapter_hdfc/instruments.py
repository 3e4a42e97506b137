"""The instrument master: fetched from a URL or read from a local file, cached on disk under
the account's data directory, refreshed once a day after a configurable IST time."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from ordo.adapters.clock import next_ist_time
from ordo.adapters.errors import BrokerError, BrokerUnavailable

from ordo_adapter_hdfc.master import InstrumentIndex, TickUnit, parse_master

CACHE_NAME = "hdfc-security-master.csv"

Download = Callable[[str], Awaitable[str]]


def last_refresh_boundary(at: time, now: datetime) -> datetime:
    """The most recent moment (UTC) the IST clock showed ``at``, at or before ``now``."""
    return next_ist_time(at, now) - timedelta(days=1)


def is_stale(cached_at: datetime, at: time, now: datetime) -> bool:
    """A cache written before today's refresh time (once it has passed) is stale."""
    return cached_at < last_refresh_boundary(at, now)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _read_local(source: str) -> str:
    return Path(source.removeprefix("file://")).expanduser().read_text(encoding="utf-8")


class InstrumentStore:
    """Loads the master once, answers lookups from memory, and keeps the disk cache fresh."""

    def __init__(
        self,
        source: str,
        cache_dir: Path,
        download: Download,
        *,
        refresh_at: time,
        tick_unit: TickUnit = "auto",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._cache = cache_dir / CACHE_NAME
        self._download = download
        self._refresh_at = refresh_at
        self._tick_unit = tick_unit
        self._clock = clock
        self._lock = asyncio.Lock()
        self.index: InstrumentIndex | None = None
        self.loaded_at: datetime | None = None

    @property
    def cache_path(self) -> Path:
        return self._cache

    def needs_refresh(self) -> bool:
        if self.index is None or self.loaded_at is None:
            return True
        return is_stale(self.loaded_at, self._refresh_at, self._clock())

    async def get(self) -> InstrumentIndex:
        """The current index, loading or refreshing it first when due."""
        if self.needs_refresh():
            await self.load()
        assert self.index is not None
        return self.index

    async def load(self, *, force: bool = False) -> int:
        """(Re)load; returns the number of instruments. A stale cache beats no master when
        the source is unreachable."""
        async with self._lock:
            content, written_at = await self._content(force=force)
            index = await asyncio.to_thread(
                lambda: InstrumentIndex(parse_master(content, self._tick_unit))
            )
            self.index = index
            self.loaded_at = written_at
            return len(index)

    async def _content(self, *, force: bool) -> tuple[str, datetime]:
        now = self._clock()
        cached = await asyncio.to_thread(self._read_cache)
        if cached is not None and not force and not is_stale(cached[1], self._refresh_at, now):
            return cached
        try:
            content = await self._fetch()
        except BrokerError:
            if cached is not None:
                return cached
            raise
        # An unwritable cache costs a download at the next start, not today's trading.
        with contextlib.suppress(OSError):
            await asyncio.to_thread(self._write_cache, content)
        return content, now

    async def _fetch(self) -> str:
        if is_url(self._source):
            return await self._download(self._source)
        try:
            return await asyncio.to_thread(_read_local, self._source)
        except OSError as exc:
            raise BrokerUnavailable(f"cannot read the security master file: {exc}") from None

    def _read_cache(self) -> tuple[str, datetime] | None:
        try:
            stat = self._cache.stat()
            content = self._cache.read_text(encoding="utf-8")
        except OSError:
            return None
        return content, datetime.fromtimestamp(stat.st_mtime, UTC)

    def _write_cache(self, content: str) -> None:
        self._cache.parent.mkdir(parents=True, exist_ok=True)
        partial = self._cache.with_suffix(".tmp")
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, self._cache)
        # The mtime is the freshness stamp; align it with the injectable clock.
        stamp = self._clock().timestamp()
        os.utime(self._cache, (stamp, stamp))
