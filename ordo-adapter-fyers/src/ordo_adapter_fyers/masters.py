"""Loading the symbol master: local files or URLs, an on-disk cache under the adapter's data
directory, and a daily refresh after a configurable IST time."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from ordo.adapters.clock import next_ist_time
from ordo.adapters.errors import BrokerError, BrokerUnavailable

from ordo_adapter_fyers.instruments import InstrumentCatalog, parse_master

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[str]]
_META = "meta.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def cache_name(source: str) -> str:
    """A file name for a source URL: its last path segment, made filesystem-safe."""
    tail = source.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "master"
    return _UNSAFE.sub("_", tail)


def last_refresh_boundary(refresh_time: time, now: datetime) -> datetime:
    """The latest moment at or before ``now`` when the IST clock showed ``refresh_time``."""
    return next_ist_time(refresh_time, now) - timedelta(days=1)


class MasterLoader:
    """Builds an ``InstrumentCatalog`` from the configured sources.

    URL sources are cached on disk; a cached copy fetched after the last refresh boundary
    is used as is. When a download fails, a stale cached copy is used rather than failing.
    """

    def __init__(
        self,
        sources: Sequence[str],
        cache_dir: Path,
        fetch: Fetch,
        refresh_time: time,
    ) -> None:
        self._sources = list(sources)
        self._cache_dir = cache_dir
        self._fetch = fetch
        self._refresh_time = refresh_time

    def is_stale(self, loaded_at: datetime, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return loaded_at < last_refresh_boundary(self._refresh_time, moment)

    async def load(self, *, force: bool = False, now: datetime | None = None) -> InstrumentCatalog:
        moment = now or datetime.now(UTC)
        meta = await asyncio.to_thread(self._read_meta)
        instruments = []
        for source in self._sources:
            text = await self._text_of(source, meta, force=force, now=moment)
            try:
                parsed = await asyncio.to_thread(parse_master, text, source=source)
            except ValueError as exc:
                raise BrokerUnavailable(f"symbol master {source} is unreadable: {exc}") from None
            instruments.extend(parsed)
        await asyncio.to_thread(self._write_meta, meta)
        return InstrumentCatalog(instruments)

    async def _text_of(
        self, source: str, meta: dict[str, str], *, force: bool, now: datetime
    ) -> str:
        if not is_url(source):
            try:
                return await asyncio.to_thread(_read_local, source)
            except OSError as exc:
                raise BrokerUnavailable(f"cannot read symbol master {source}: {exc}") from None
        name = cache_name(source)
        cached = self._cache_dir / name
        fetched_at = _parse_time(meta.get(name))
        fresh = fetched_at is not None and not self.is_stale(fetched_at, now)
        if fresh and not force:
            text = await asyncio.to_thread(_read_cached, cached)
            if text is not None:
                return text
        try:
            text = await self._fetch(source)
        except BrokerError:
            stale_copy = await asyncio.to_thread(_read_cached, cached)
            if stale_copy is None:
                raise
            log.warning("symbol master %s: download failed, using the cached copy", name)
            return stale_copy
        await asyncio.to_thread(self._store, cached, text)
        meta[name] = now.isoformat()
        return text

    def _store(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_text(text, "utf-8")
        # Atomic swap so a crash mid-write never leaves a truncated master behind.
        partial.replace(path)

    def _read_meta(self) -> dict[str, str]:
        try:
            data = json.loads((self._cache_dir / _META).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_meta(self, meta: dict[str, str]) -> None:
        if meta:
            self._store(self._cache_dir / _META, json.dumps(meta, sort_keys=True))


def _read_local(source: str) -> str:
    return Path(source).expanduser().read_text("utf-8")


def _read_cached(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except OSError:
        return None


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
