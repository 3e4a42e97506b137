"""The m.Stock scrip master: CSV parsing, the lookup index and the on-disk daily cache.

Tradability is as far as the master tells it: an instrument is tradable when it is in
today's master, is not an index and has a positive lot and tick size and an unexpired
contract. The master's exact header is undocumented, so columns are matched by name,
case-insensitively, and rows that cannot be understood are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from ordo.adapters.clock import IST
from ordo.adapters.values import parse_decimal, parse_int, parse_text
from ordo.domain import Exchange, Instrument, InstrumentType, SymbolRef, derivative_symbol
from ordo.domain.exchange_symbols import parse_exchange_derivative

from ordo_adapter_mirae.symbols import (
    BROKER_EXCHANGE_OF,
    BROKER_EXCHANGES,
    INDEX_EXCHANGES,
    equity_symbol,
    index_symbol,
    unified_index,
)
from ordo_adapter_mirae.values import lower_keys

INSTRUMENT_TYPES: dict[str, InstrumentType] = {
    "EQ": InstrumentType.EQUITY,
    "EQUITY": InstrumentType.EQUITY,
    "CE": InstrumentType.CALL,
    "PE": InstrumentType.PUT,
    "FUT": InstrumentType.FUTURE,
    "INDEX": InstrumentType.INDEX,
    "INDICES": InstrumentType.INDEX,
}
DEFAULT_TICK = Decimal("0.05")
EXPIRY_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d%b%Y", "%d-%b-%Y", "%Y-%b-%d", "%d/%m/%Y", "%d%b%y")


@dataclass(frozen=True)
class MasterEntry:
    """One instrument with the broker names an order or quote needs."""

    instrument: Instrument
    tradingsymbol: str
    broker_exchange: str


def parse_expiry(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    for layout in EXPIRY_FORMATS:
        try:
            return datetime.strptime(text.title() if "%b" in layout else text, layout).date()
        except ValueError:
            continue
    return None


def _instrument_type(raw_type: str, segment: str, tradingsymbol: str) -> InstrumentType | None:
    if "INDICES" in segment or raw_type in ("INDEX", "INDICES"):
        return InstrumentType.INDEX
    if raw_type in INSTRUMENT_TYPES:
        return INSTRUMENT_TYPES[raw_type]
    if raw_type.startswith("FUT"):
        return InstrumentType.FUTURE
    if raw_type.startswith("OPT"):
        suffix = tradingsymbol[-2:]
        return InstrumentType(suffix) if suffix in ("CE", "PE") else None
    return None


def entry_from_row(row: Mapping[str, str], today: date | None = None) -> MasterEntry | None:
    """One master row -> ``MasterEntry``; ``None`` for rows Ordo cannot use."""
    r = lower_keys(row)
    tradingsymbol = parse_text(r.get("tradingsymbol")).upper()
    exchange = BROKER_EXCHANGES.get(parse_text(r.get("exchange")).upper())
    kind = _instrument_type(
        parse_text(r.get("instrument_type")).upper(),
        parse_text(r.get("segment")).upper(),
        tradingsymbol,
    )
    if not tradingsymbol or exchange is None or kind is None:
        return None
    name = parse_text(r.get("name"))
    expiry = parse_expiry(parse_text(r.get("expiry")))
    strike = parse_decimal(r.get("strike"))
    underlying: str | None = None
    if kind is InstrumentType.INDEX:
        if exchange not in INDEX_EXCHANGES:
            return None
        exchange = INDEX_EXCHANGES[exchange]
        symbol = unified_index(exchange, tradingsymbol)
    elif kind is InstrumentType.EQUITY:
        symbol = equity_symbol(tradingsymbol)
    else:
        parsed = parse_exchange_derivative(tradingsymbol)
        underlying = index_symbol(name) if name else (parsed.underlying if parsed else "")
        if expiry is None and parsed is not None and parsed.day is not None:
            expiry = date(parsed.year, parsed.month, parsed.day)
        if kind is not InstrumentType.FUTURE and strike in (None, Decimal(0)) and parsed:
            strike = parsed.strike
        if not underlying or expiry is None:
            return None
        option_strike = strike if kind is not InstrumentType.FUTURE else None
        if kind is not InstrumentType.FUTURE and not option_strike:
            return None
        symbol = derivative_symbol(underlying, expiry, kind, option_strike)
    if not symbol or len(symbol) > 64:
        return None
    lot = parse_int(r.get("lot_size"))
    tick = parse_decimal(r.get("tick_size")) or Decimal(0)
    expired = expiry is not None and today is not None and expiry < today
    tradable = kind is not InstrumentType.INDEX and lot > 0 and tick > 0 and not expired
    instrument = Instrument(
        exchange=exchange,
        symbol=symbol,
        name=name,
        instrument_type=kind,
        lot_size=lot if lot > 0 else 1,
        tick_size=tick if tick > 0 else DEFAULT_TICK,
        tradable=tradable,
        expiry=expiry if kind not in (InstrumentType.EQUITY, InstrumentType.INDEX) else None,
        strike=strike if kind in (InstrumentType.CALL, InstrumentType.PUT) else None,
        underlying=underlying,
        broker_token=parse_text(r.get("instrument_token")) or None,
    )
    return MasterEntry(instrument, tradingsymbol, BROKER_EXCHANGE_OF[exchange])


def parse_master(text: str, today: date | None = None) -> list[MasterEntry]:
    """Every usable row of a CSV scrip master."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    entries = (entry_from_row(row, today) for row in reader)
    return [entry for entry in entries if entry is not None]


class InstrumentIndex:
    """Lookups over one master: unified reference, broker symbol and broker token."""

    def __init__(self, entries: Iterable[MasterEntry] = ()) -> None:
        self._by_ref: dict[tuple[Exchange, str], MasterEntry] = {}
        self._by_broker: dict[tuple[str, str], MasterEntry] = {}
        self._by_token: dict[str, MasterEntry] = {}
        for entry in entries:
            key = (entry.instrument.exchange, entry.instrument.symbol)
            known = self._by_ref.get(key)
            # Two rows for one unified symbol (ACC and ACC-EQ): keep a tradable one.
            if known is None or (entry.instrument.tradable and not known.instrument.tradable):
                self._by_ref[key] = entry
            self._by_broker.setdefault((entry.broker_exchange, entry.tradingsymbol), entry)
            if entry.instrument.broker_token:
                self._by_token.setdefault(entry.instrument.broker_token, entry)

    def __len__(self) -> int:
        return len(self._by_ref)

    def get(self, ref: SymbolRef) -> MasterEntry | None:
        return self._by_ref.get((ref.exchange, ref.symbol))

    def resolve(self, broker_exchange: str, tradingsymbol: str) -> SymbolRef | None:
        """Broker (exchange, tradingsymbol) -> unified reference."""
        text = tradingsymbol.strip().upper()
        entry = self._by_broker.get((broker_exchange.upper(), text))
        if entry is None and broker_exchange.upper() in ("NSE", "BSE"):
            # Books may name NSE cash ``ACC`` where the master says ``ACC-EQ`` or back.
            alternative = text[:-3] if text.endswith("-EQ") else f"{text}-EQ"
            entry = self._by_broker.get((broker_exchange.upper(), alternative))
        return entry.instrument.ref if entry is not None else None

    def resolve_token(self, token: str) -> SymbolRef | None:
        entry = self._by_token.get(token.strip())
        return entry.instrument.ref if entry is not None else None

    def search(self, query: str, limit: int) -> list[Instrument]:
        needle = query.strip().upper()
        found: list[Instrument] = []
        for entry in self._by_ref.values():
            inst = entry.instrument
            if needle in inst.symbol or needle in inst.name.upper():
                found.append(inst)
                if len(found) >= limit:
                    break
        return found


def last_refresh_boundary(refresh_at: str, now: datetime) -> datetime:
    """The most recent IST ``refresh_at`` at or before ``now``: a master fetched before it
    is yesterday's."""
    hours, minutes = (int(part) for part in refresh_at.split(":"))
    local = now.astimezone(IST)
    boundary = datetime.combine(local.date(), time(hours, minutes), IST)
    if boundary > local:
        boundary -= timedelta(days=1)
    return boundary


class MasterCache:
    """The master's CSV on disk under ``data_dir`` with the time it was fetched."""

    def __init__(self, data_dir: Path, source_key: str) -> None:
        digest = hashlib.sha256(source_key.encode()).hexdigest()[:12]
        self.directory = data_dir / "mirae"
        self.csv_path = self.directory / f"scriptmaster-{digest}.csv"
        self.meta_path = self.directory / f"scriptmaster-{digest}.json"

    def fetched_at(self) -> datetime | None:
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            return datetime.fromisoformat(meta["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def read(self) -> str | None:
        if self.fetched_at() is None:
            return None
        try:
            return self.csv_path.read_text(encoding="utf-8")
        except OSError:
            return None

    def write(self, text: str, fetched_at: datetime) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.csv_path, text)
        _atomic_write(self.meta_path, json.dumps({"fetched_at": fetched_at.isoformat()}))


def _atomic_write(path: Path, text: str) -> None:
    # A crash mid-write must not leave a truncated master that later loads as "fresh".
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class InstrumentStore:
    """The master of one adapter: loaded from the disk cache, refreshed once a day."""

    def __init__(self, cache: MasterCache, refresh_at: str) -> None:
        self._cache = cache
        self._refresh_at = refresh_at
        self.index = InstrumentIndex()
        self._loaded_at: datetime | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    def is_stale(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        fetched = self._loaded_at
        return fetched is None or fetched < last_refresh_boundary(self._refresh_at, moment)

    def load_cached(self, now: datetime | None = None) -> bool:
        """Adopt the disk copy, stale or not (a stale master beats none until refreshed)."""
        text = self._cache.read()
        fetched = self._cache.fetched_at()
        if text is None or fetched is None:
            return False
        self._adopt(text, fetched, now)
        return True

    async def refresh(
        self, fetch: Callable[[], Awaitable[str]], now: datetime | None = None
    ) -> int:
        """Fetch, parse and cache a new master; returns how many rows were usable (0 leaves
        the current master in place)."""
        text = await fetch()
        moment = now or datetime.now(UTC)
        entries = self._adopt(text, moment, now)
        if entries:
            self._cache.write(text, moment)
        return entries

    def _adopt(self, text: str, fetched: datetime, now: datetime | None) -> int:
        today = (now or datetime.now(UTC)).astimezone(IST).date()
        entries = parse_master(text, today)
        if entries:
            # An empty or unreadable download must not wipe a good master.
            self.index = InstrumentIndex(entries)
            self._loaded_at = fetched
        return len(entries)
