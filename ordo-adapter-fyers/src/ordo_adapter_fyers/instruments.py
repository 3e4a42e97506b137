"""Pure parsing of the Fyers symbol master (CSV without header, or JSON keyed by ticker)
into unified ``Instrument`` models, and the in-memory catalog that indexes them.

Rows are read loosely: numbers may arrive as strings, unknown segments and malformed rows
are skipped rather than failing the whole load.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordo.adapters.clock import IST
from ordo.domain import (
    Exchange,
    Instrument,
    InstrumentType,
    SymbolRef,
    derivative_symbol,
    unified_index_symbol,
)

from ordo_adapter_fyers.symbology import INDEX_SUFFIX, split_ticker, strip_series, unified_exchange

DEFAULT_TICK = Decimal("0.05")
_INDEX_INST_TYPE = 10

# Column positions of the header-less CSV master (fact sheet §5.4, 0-based).
COL_FYTOKEN, COL_NAME, COL_INST_TYPE, COL_LOT, COL_TICK, COL_ISIN = 0, 1, 2, 3, 4, 5
COL_EXPIRY, COL_TICKER, COL_EXCHANGE, COL_SEGMENT = 8, 9, 10, 11
COL_UNDERLYING, COL_STRIKE, COL_OPT_TYPE = 13, 15, 16
_MIN_CSV_COLUMNS = COL_OPT_TYPE + 1


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _expiry(value: Any) -> date | None:
    epoch = _int(value)
    if not epoch or epoch <= 0:
        return None
    return datetime.fromtimestamp(epoch, IST).date()


def build_instrument(
    *,
    ticker: str,
    name: str,
    exchange_code: int | None,
    segment_code: int | None,
    inst_type: int | None,
    lot_size: Any,
    tick_size: Any,
    expiry: Any,
    strike: Any,
    option_type: str,
    underlying: str,
    isin: str | None,
    tradable: bool,
    freeze_quantity: Any = None,
) -> Instrument | None:
    """One unified instrument from the fields of a master row; ``None`` when the row is of a
    segment Ordo does not trade or cannot be read."""
    try:
        _prefix, ticker_name = split_ticker(ticker)
    except ValueError:
        return None
    is_index = ticker_name.endswith(INDEX_SUFFIX) or inst_type == _INDEX_INST_TYPE
    if exchange_code is None or segment_code is None:
        return None
    exchange = unified_exchange(exchange_code, segment_code, index=is_index)
    if exchange is None:
        return None
    tick = _decimal(tick_size)
    common: dict[str, Any] = {
        "exchange": exchange,
        "name": name.strip(),
        "lot_size": max(1, _int(lot_size, 1) or 1),
        "tick_size": tick if tick is not None and tick > 0 else DEFAULT_TICK,
        "isin": (isin or "").strip() or None,
        "broker_token": ticker.strip().upper(),
    }
    try:
        if is_index:
            symbol = unified_index_symbol(exchange, ticker_name.removesuffix(INDEX_SUFFIX))
            return Instrument(
                symbol=symbol, instrument_type=InstrumentType.INDEX, tradable=False, **common
            )
        if exchange in (Exchange.NSE, Exchange.BSE):
            symbol = strip_series(ticker_name)
            SymbolRef(exchange=exchange, symbol=symbol)  # validates the characters
            return Instrument(symbol=symbol, tradable=tradable, **common)
        freeze = _int(freeze_quantity)
        derivative = _derivative(common, expiry, strike, option_type, underlying, tradable)
        if derivative is None or freeze is None or freeze <= 0:
            return derivative
        return derivative.model_copy(update={"freeze_quantity": freeze})
    except ValueError:
        return None


def _derivative(
    common: dict[str, Any],
    expiry: Any,
    strike: Any,
    option_type: str,
    underlying: str,
    tradable: bool,
) -> Instrument | None:
    expiry_date = _expiry(expiry)
    if expiry_date is None or not underlying.strip():
        return None
    right = option_type.strip().upper()
    kind = InstrumentType(right) if right in ("CE", "PE") else InstrumentType.FUTURE
    strike_value = _decimal(strike) if kind is not InstrumentType.FUTURE else None
    if kind is not InstrumentType.FUTURE and (strike_value is None or strike_value <= 0):
        return None
    und = underlying.strip().upper()
    symbol = derivative_symbol(und, expiry_date, kind, strike_value)
    SymbolRef(exchange=common["exchange"], symbol=symbol)
    return Instrument(
        symbol=symbol,
        instrument_type=kind,
        tradable=tradable,
        expiry=expiry_date,
        strike=strike_value,
        underlying=und,
        **common,
    )


def parse_csv_master(text: str) -> Iterator[Instrument]:
    """Instruments of a header-less CSV master file."""
    for row in csv.reader(io.StringIO(text)):
        if len(row) < _MIN_CSV_COLUMNS:
            continue
        instrument = build_instrument(
            ticker=row[COL_TICKER],
            name=row[COL_NAME],
            exchange_code=_int(row[COL_EXCHANGE]),
            segment_code=_int(row[COL_SEGMENT]),
            inst_type=_int(row[COL_INST_TYPE]),
            lot_size=row[COL_LOT],
            tick_size=row[COL_TICK],
            expiry=row[COL_EXPIRY],
            strike=row[COL_STRIKE],
            option_type=row[COL_OPT_TYPE],
            underlying=row[COL_UNDERLYING],
            isin=row[COL_ISIN],
            # The CSV carries no trade status; the JSON master does.
            tradable=True,
        )
        if instrument is not None:
            yield instrument


def parse_json_master(text: str) -> Iterator[Instrument]:
    """Instruments of a JSON master (an object keyed by ticker)."""
    data = json.loads(text)
    if not isinstance(data, Mapping):
        raise ValueError("a Fyers JSON symbol master is an object keyed by ticker")
    for key, item in data.items():
        if not isinstance(item, Mapping):
            continue
        trade_status = _int(item.get("tradeStatus"), 1)
        instrument = build_instrument(
            ticker=str(item.get("symTicker") or key),
            name=str(item.get("symbolDesc") or item.get("exSymName") or ""),
            exchange_code=_int(item.get("exchange")),
            segment_code=_int(item.get("segment")),
            inst_type=_int(item.get("exInstType")),
            lot_size=item.get("minLotSize"),
            tick_size=item.get("tickSize"),
            expiry=item.get("expiryDate"),
            strike=item.get("strikePrice"),
            option_type=str(item.get("optType") or ""),
            underlying=str(item.get("underSym") or ""),
            isin=str(item.get("isin") or ""),
            tradable=trade_status == 1,
            # The exchange's freeze quantity; the CSV master has no such column.
            freeze_quantity=item.get("qtyFreeze"),
        )
        if instrument is not None:
            yield instrument


def parse_master(text: str, *, source: str) -> list[Instrument]:
    """Parse a master file, picking the format from ``source``'s suffix or the content."""
    stem = source.split("?", 1)[0].lower()
    is_json = stem.endswith(".json") or (not stem.endswith(".csv") and text.lstrip()[:1] == "{")
    return list(parse_json_master(text) if is_json else parse_csv_master(text))


class InstrumentCatalog:
    """Unified reference <-> Fyers ticker index over the loaded masters."""

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._by_ref: dict[tuple[Exchange, str], Instrument] = {}
        self._by_ticker: dict[str, Instrument] = {}
        for instrument in instruments:
            self._add(instrument)

    def _add(self, instrument: Instrument) -> None:
        key = (instrument.exchange, instrument.symbol)
        current = self._by_ref.get(key)
        # Two series of one equity share a unified symbol: the main series (EQ / A) wins.
        if current is None or _series_rank(instrument) < _series_rank(current):
            self._by_ref[key] = instrument
        if instrument.broker_token:
            self._by_ticker[instrument.broker_token] = instrument

    def get(self, ref: SymbolRef) -> Instrument | None:
        return self._by_ref.get((ref.exchange, ref.symbol))

    def by_ticker(self, ticker: str) -> Instrument | None:
        return self._by_ticker.get(ticker.strip().upper())

    def search(self, query: str, limit: int = 20) -> list[Instrument]:
        """Instruments whose symbol starts with ``query``, then those whose symbol or name
        contains it."""
        needle = query.strip().upper()
        if not needle:
            return []
        starts = [i for i in self._by_ref.values() if i.symbol.startswith(needle)]
        contains = [
            i
            for i in self._by_ref.values()
            if not i.symbol.startswith(needle) and (needle in i.symbol or needle in i.name.upper())
        ]
        ranked = sorted(starts, key=lambda i: (len(i.symbol), i.symbol)) + sorted(
            contains, key=lambda i: i.symbol
        )
        return ranked[:limit]

    def __len__(self) -> int:
        return len(self._by_ref)


def _series_rank(instrument: Instrument) -> int:
    token = instrument.broker_token or ""
    return 0 if token.endswith(("-EQ", "-A")) else 1
