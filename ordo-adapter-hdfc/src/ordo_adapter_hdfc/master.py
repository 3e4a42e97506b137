"""Pure parsing of the InvestRight security master CSV and the lookup index built from it.

Each instrument has two broker ids: ``security_id`` (what orders carry) and
``exch_security_id`` (the exchange token, what LTP and the feed use). Derivative rows carry
the parent exchange (NSE/BSE/MCX); the unified exchange (NFO, BFO, CDS) follows from
``instrument_segment``. Indices are not flagged: by convention they are NSE EQUITY rows with
tokens 26000-26999 and BSE EQUITY rows with tokens up to 999.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ordo.adapters.values import parse_decimal, parse_int
from ordo.domain import (
    Exchange,
    Instrument,
    InstrumentType,
    SymbolRef,
    derivative_symbol,
    unified_index_symbol,
)

from ordo_adapter_hdfc.normalise import (
    clean_symbol,
    date_or_none,
    option_right,
)

TickUnit = Literal["auto", "paise", "rupees"]

MASTER_COLUMNS = (
    "exchange",
    "security_id",
    "instrument_segment",
    "expiry_date",
    "strike_price",
    "option_type",
    "lot_size",
    "tick_size",
    "close_price",
    "exch_security_id",
    "symbol_name",
    "underline_symbol",
    "open_price",
)
FUTURE_SEGMENTS = frozenset({"FUTIDX", "FUTSTK", "FUTCUR", "FUTCOM"})
OPTION_SEGMENTS = frozenset({"OPTIDX", "OPTSTK", "OPTCUR", "OPTFUT"})
CURRENCY_SEGMENTS = frozenset({"FUTCUR", "OPTCUR"})
_DERIVATIVE_EXCHANGE = {"NSE": Exchange.NFO, "BSE": Exchange.BFO, "MCX": Exchange.MCX}


@dataclass(frozen=True)
class HdfcInstrument:
    """A unified instrument plus the broker fields its orders and quotes need."""

    instrument: Instrument
    security_id: str
    exch_security_id: str
    parent_exchange: str
    """NSE, BSE or MCX: what the order's ``exchange`` field takes."""
    segment: str
    underlying_id: str = ""
    """The underlying's ``security_id`` (order field ``underlying_symbol``)."""
    option_type: str = ""
    """``CE``/``PE`` for options, empty otherwise."""

    @property
    def is_derivative(self) -> bool:
        return self.segment in FUTURE_SEGMENTS or self.segment in OPTION_SEGMENTS

    @property
    def ltp_exchange(self) -> str:
        """The LTP endpoint drops indices sent under the parent code."""
        if self.instrument.exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX):
            return self.instrument.exchange.value
        return self.parent_exchange


def tick_size(raw: str, unit: TickUnit = "auto") -> Decimal:
    """The tick in rupees. ``auto``: an integer is paise (``5`` -> 0.05), a decimal rupees."""
    value = parse_decimal(raw)
    if value is None or value <= 0:
        return Decimal("0.05")
    in_paise = unit == "paise" or (unit == "auto" and "." not in raw)
    return value / 100 if in_paise else value


def unified_exchange(parent: str, segment: str, token: str) -> Exchange | None:
    if segment in FUTURE_SEGMENTS or segment in OPTION_SEGMENTS:
        if segment in CURRENCY_SEGMENTS:
            return Exchange.CDS if parent == "NSE" else None
        return _DERIVATIVE_EXCHANGE.get(parent)
    if segment != "EQUITY" or parent not in ("NSE", "BSE"):
        return None  # underlyings (COM, UNDCUR) and unlisted segments are not tradable rows
    number = int(token) if token.isdigit() else -1
    if parent == "NSE":
        return Exchange.NSE_INDEX if 26000 <= number <= 26999 else Exchange.NSE
    return Exchange.BSE_INDEX if 0 <= number <= 999 else Exchange.BSE


def parse_row(row: dict[str, str], unit: TickUnit = "auto") -> HdfcInstrument | None:
    """One master row as an instrument; ``None`` for rows Ordo cannot use (dummy tokens,
    blank names, unknown segments, broken derivative fields)."""
    parent = (row.get("exchange") or "").strip().upper()
    security_id = (row.get("security_id") or "").strip()
    token = (row.get("exch_security_id") or "").strip()
    segment = (row.get("instrument_segment") or "").strip().upper()
    name = clean_symbol(row.get("symbol_name") or "")
    if not security_id or not token.isdigit() or not name:
        return None
    exchange = unified_exchange(parent, segment, token)
    if exchange is None:
        return None
    common = {
        "exchange": exchange,
        "name": (row.get("symbol_name") or "").strip(),
        "lot_size": max(1, parse_int(row.get("lot_size"))),
        "tick_size": tick_size((row.get("tick_size") or "").strip(), unit),
        "broker_token": security_id,
    }
    if segment == "EQUITY":
        is_index = exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX)
        instrument = Instrument(
            symbol=unified_index_symbol(exchange, name) if is_index else name,
            instrument_type=InstrumentType.INDEX if is_index else InstrumentType.EQUITY,
            tradable=not is_index,
            **common,
        )
        return HdfcInstrument(instrument, security_id, token, parent, segment)
    expiry = date_or_none(row.get("expiry_date"))
    if expiry is None:
        return None
    right = option_right(row.get("option_type") or "")
    strike: Decimal | None = None
    if segment in OPTION_SEGMENTS:
        strike = parse_decimal(row.get("strike_price"))
        if right is None or strike is None or strike <= 0:
            return None
        kind = right
    else:
        kind = InstrumentType.FUTURE  # futures carry sentinel strikes (-.01, 0): ignored
    instrument = Instrument(
        symbol=derivative_symbol(name, expiry, kind, strike),
        instrument_type=kind,
        expiry=expiry,
        strike=strike,
        underlying=name,
        **common,
    )
    return HdfcInstrument(
        instrument,
        security_id,
        token,
        parent,
        segment,
        underlying_id=(row.get("underline_symbol") or "").strip(),
        option_type=kind.value if strike is not None else "",
    )


def parse_master(content: str, unit: TickUnit = "auto") -> Iterator[HdfcInstrument]:
    """Every usable instrument of a master CSV text."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        parsed = parse_row(clean, unit)
        if parsed is not None:
            yield parsed


def _regular_series(security_id: str) -> bool:
    # Cash rows of the main series end in "EQNR" (WIPLTDEQNR); bonds and NCDs share the
    # issuer's name, so on a name clash the regular equity row wins.
    return security_id.upper().endswith("EQNR")


class InstrumentIndex:
    """Lookups by unified reference, by ``security_id`` and by exchange token."""

    def __init__(self, instruments: Iterable[HdfcInstrument] = ()) -> None:
        self._by_ref: dict[tuple[Exchange, str], HdfcInstrument] = {}
        self._by_security: dict[tuple[str, str], HdfcInstrument] = {}
        self._by_token: dict[tuple[str, str], HdfcInstrument] = {}
        self._by_name: dict[tuple[str, str], HdfcInstrument] = {}
        for item in instruments:
            self.add(item)

    def add(self, item: HdfcInstrument) -> None:
        key = (item.instrument.exchange, item.instrument.symbol)
        existing = self._by_ref.get(key)
        if existing is None or (
            _regular_series(item.security_id) and not _regular_series(existing.security_id)
        ):
            self._by_ref[key] = item
            if not item.is_derivative:
                self._by_name[(item.parent_exchange, item.instrument.symbol)] = item
        self._by_security.setdefault((item.parent_exchange, item.security_id.upper()), item)
        self._by_token.setdefault((item.parent_exchange, item.exch_security_id), item)

    def __len__(self) -> int:
        return len(self._by_ref)

    def by_ref(self, ref: SymbolRef) -> HdfcInstrument | None:
        return self._by_ref.get((ref.exchange, ref.symbol.upper()))

    def by_security_id(self, parent_exchange: str, security_id: str) -> HdfcInstrument | None:
        """Resolve an id from a book row: ``security_id``, else token, else cash name."""
        parent = parent_exchange.strip().upper()
        key = security_id.strip().upper()
        return (
            self._by_security.get((parent, key))
            or self._by_token.get((parent, key))
            or self._by_name.get((parent, clean_symbol(key)))
        )

    def search(self, query: str, limit: int) -> list[Instrument]:
        needle = query.strip().upper()
        hits = [
            item.instrument
            for (_, symbol), item in self._by_ref.items()
            if needle and needle in symbol
        ]
        hits.sort(key=lambda inst: (not inst.symbol.startswith(needle), len(inst.symbol)))
        return hits[:limit]
