"""Symbol-master parsing, the catalog, and the on-disk cache with its daily refresh."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.adapters.errors import BrokerUnavailable
from ordo.domain import Exchange, InstrumentType, SymbolRef
from ordo_adapter_fyers.fake import master_path, master_text
from ordo_adapter_fyers.instruments import (
    InstrumentCatalog,
    parse_csv_master,
    parse_json_master,
    parse_master,
)
from ordo_adapter_fyers.masters import MasterLoader, cache_name, last_refresh_boundary

SBIN_CSV = (
    "10100000003045,STATE BANK OF INDIA,0,1,0.05,INE062A01020,0915-1530|1815-1915:,"
    "2025-01-13,,NSE:SBIN-EQ,10,10,3045,SBIN,3045,-1.0,XX,10100000003045,None,1,3.7"
)


def test_csv_row_of_the_fact_sheet() -> None:
    [sbin] = list(parse_csv_master(SBIN_CSV + "\nshort,row\n"))
    assert (sbin.exchange, sbin.symbol, sbin.name) == (Exchange.NSE, "SBIN", "STATE BANK OF INDIA")
    assert (sbin.lot_size, sbin.tick_size, sbin.isin) == (1, Decimal("0.05"), "INE062A01020")
    assert (sbin.broker_token, sbin.tradable) == ("NSE:SBIN-EQ", True)


def test_fake_fo_master() -> None:
    catalog = InstrumentCatalog(parse_csv_master(master_text("NSE_FO.csv")))
    fut = catalog.get(SymbolRef.parse("NFO:NIFTY30JAN25FUT"))
    assert fut is not None
    assert (fut.instrument_type, fut.lot_size, fut.expiry) == (
        InstrumentType.FUTURE,
        75,
        date(2025, 1, 30),
    )
    assert fut.broker_token == "NSE:NIFTY25JANFUT"
    weekly = catalog.get(SymbolRef.parse("NFO:NIFTY23JAN2521500CE"))
    assert weekly is not None
    assert (weekly.broker_token, weekly.strike) == ("NSE:NIFTY2512321500CE", Decimal("21500.0"))
    put = catalog.by_ticker("nse:nifty25jan21500pe")
    assert put is not None
    assert put.ref == SymbolRef.parse("NFO:NIFTY30JAN2521500PE")


def test_json_master_trade_status_and_indices() -> None:
    catalog = InstrumentCatalog(parse_json_master(master_text("NSE_CM_sym_master.json")))
    oldco = catalog.get(SymbolRef.parse("NSE:OLDCO"))
    assert oldco is not None
    assert not oldco.tradable
    sbin = catalog.get(SymbolRef.parse("NSE:SBIN"))
    assert sbin is not None
    assert sbin.tradable
    index = catalog.get(SymbolRef.parse("NSE_INDEX:NIFTY"))
    assert index is not None
    assert (index.instrument_type, index.tradable) == (InstrumentType.INDEX, False)
    assert catalog.get(SymbolRef.parse("NSE:BAJAJ-AUTO")) is not None
    assert catalog.get(SymbolRef.parse("NSE:M&M")) is not None


def test_json_master_carries_the_freeze_quantity_of_derivatives() -> None:
    expiry = int(datetime(2030, 1, 31, 10, 0, tzinfo=UTC).timestamp())
    option = {
        "exchange": 10,
        "segment": 11,
        "exInstType": 14,
        "minLotSize": 75,
        "tickSize": 0.05,
        "expiryDate": str(expiry),
        "strikePrice": 21500,
        "optType": "CE",
        "underSym": "NIFTY",
        "qtyFreeze": "1800",
    }
    rows = {
        "NSE:NIFTY30JAN21500CE": option,
        "NSE:NIFTY30JAN21500PE": {**option, "optType": "PE", "qtyFreeze": ""},
        "NSE:SBIN-EQ": {"exchange": 10, "segment": 10, "qtyFreeze": "50000"},
    }
    catalog = InstrumentCatalog(parse_json_master(json.dumps(rows)))
    call = catalog.by_ticker("NSE:NIFTY30JAN21500CE")
    put = catalog.by_ticker("NSE:NIFTY30JAN21500PE")
    sbin = catalog.get(SymbolRef.parse("NSE:SBIN"))
    assert call is not None
    assert put is not None
    assert sbin is not None
    assert (call.freeze_quantity, call.is_derivative) == (1800, True)
    # A row without the column leaves it to compliance.freeze_quantities.
    assert put.freeze_quantity is None
    # Cash equities have no exchange freeze quantity in Ordo.
    assert (sbin.freeze_quantity, sbin.is_derivative) == (None, False)


def test_main_series_wins_and_odd_rows_are_skipped() -> None:
    rows = {
        "NSE:ABC-BE": {"exchange": 10, "segment": 10, "minLotSize": 1, "tickSize": 0.01},
        "NSE:ABC-EQ": {"exchange": 10, "segment": 10, "minLotSize": "1", "tickSize": "0.05"},
        "NSE:GOLD-EQ": {"exchange": 10, "segment": 20},
        "NSE:NOPE": "not an object",
        "bad ticker": {"exchange": 10, "segment": 10},
        "NSE:NOEXP25JANFUT": {"exchange": 10, "segment": 11, "optType": "XX", "underSym": "X"},
        "NSE:ZERO-EQ": {"exchange": 10, "segment": 10, "tickSize": 0, "minLotSize": 0},
    }
    catalog = InstrumentCatalog(parse_json_master(json.dumps(rows)))
    abc = catalog.get(SymbolRef.parse("NSE:ABC"))
    assert abc is not None
    assert abc.broker_token == "NSE:ABC-EQ"
    assert catalog.by_ticker("NSE:ABC-BE") is not None
    zero = catalog.get(SymbolRef.parse("NSE:ZERO"))
    assert zero is not None
    assert (zero.tick_size, zero.lot_size) == (Decimal("0.05"), 1)
    assert len(catalog) == 2
    with pytest.raises(ValueError, match="keyed by ticker"):
        list(parse_json_master("[]"))


def test_format_is_picked_by_suffix_or_content() -> None:
    json_text = master_text("NSE_CM_sym_master.json")
    assert len(parse_master(json_text, source="x.json?v=1")) == 7
    assert len(parse_master(json_text, source="no-suffix")) == 7
    assert len(parse_master(SBIN_CSV, source="https://h/NSE_CM.csv")) == 1


def test_search() -> None:
    catalog = InstrumentCatalog(parse_csv_master(master_text("NSE_FO.csv")))
    found = catalog.search("nifty", limit=3)
    assert [i.symbol for i in found] == [
        "NIFTY30JAN25FUT",
        "NIFTY23JAN2521500CE",
        "NIFTY30JAN2521500CE",
    ]
    assert [i.symbol for i in catalog.search("BANK")] == ["BANKNIFTY30JAN25FUT"]
    assert catalog.search("  ") == []


def test_refresh_boundary() -> None:
    # 07:00 IST on 13 Jan: the last 08:00 IST was the previous day.
    now = datetime(2025, 1, 13, 1, 30, tzinfo=UTC)
    assert last_refresh_boundary(time(8, 0), now) == datetime(2025, 1, 12, 2, 30, tzinfo=UTC)
    later = datetime(2025, 1, 13, 3, 0, tzinfo=UTC)
    assert last_refresh_boundary(time(8, 0), later) == datetime(2025, 1, 13, 2, 30, tzinfo=UTC)
    assert cache_name("https://public.fyers.in/sym_details/NSE_FO.csv?x=1") == "NSE_FO.csv"


class Downloads:
    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[str] = []
        self.fail = False

    async def __call__(self, url: str) -> str:
        self.calls.append(url)
        if self.fail:
            raise BrokerUnavailable("offline")
        return self.text


URL = "https://public.fyers.in/sym_details/NSE_FO.csv"


async def test_cache_is_reused_until_the_daily_refresh(tmp_path: Path) -> None:
    fetch = Downloads(master_text("NSE_FO.csv"))
    loader = MasterLoader([URL], tmp_path, fetch, time(8, 0))
    morning = datetime(2025, 1, 13, 3, 0, tzinfo=UTC)  # 08:30 IST
    assert len(await loader.load(now=morning)) == 5
    assert (tmp_path / "NSE_FO.csv").read_text() == fetch.text
    # Same day: the cached copy serves, even from a new loader (a restart).
    again = MasterLoader([URL], tmp_path, fetch, time(8, 0))
    assert len(await again.load(now=morning.replace(hour=9))) == 5
    assert len(fetch.calls) == 1
    # Next morning after 08:00 IST: stale, downloaded again.
    await again.load(now=datetime(2025, 1, 14, 3, 0, tzinfo=UTC))
    assert len(fetch.calls) == 2
    # force ignores freshness.
    await again.load(force=True, now=datetime(2025, 1, 14, 3, 5, tzinfo=UTC))
    assert len(fetch.calls) == 3
    assert loader.is_stale(morning, now=datetime(2025, 1, 14, 3, 0, tzinfo=UTC))
    assert not loader.is_stale(morning, now=datetime(2025, 1, 14, 2, 0, tzinfo=UTC))


async def test_failed_download_falls_back_to_the_stale_cache(tmp_path: Path) -> None:
    fetch = Downloads(master_text("NSE_FO.csv"))
    loader = MasterLoader([URL], tmp_path, fetch, time(8, 0))
    await loader.load(now=datetime(2025, 1, 13, 3, 0, tzinfo=UTC))
    fetch.fail = True
    catalog = await loader.load(now=datetime(2025, 1, 20, 3, 0, tzinfo=UTC))
    assert len(catalog) == 5
    empty = MasterLoader([URL], tmp_path / "other", fetch, time(8, 0))
    with pytest.raises(BrokerUnavailable):
        await empty.load()


async def test_local_files_are_read_directly(tmp_path: Path) -> None:
    fetch = Downloads("")
    sources = [master_path("NSE_CM_sym_master.json"), master_path("BSE_CM.csv")]
    catalog = await MasterLoader(sources, tmp_path, fetch, time(8, 0)).load()
    assert catalog.get(SymbolRef.parse("BSE:RELIANCE")) is not None
    assert fetch.calls == []
    with pytest.raises(BrokerUnavailable, match="cannot read"):
        await MasterLoader([str(tmp_path / "missing.csv")], tmp_path, fetch, time(8, 0)).load()
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(BrokerUnavailable, match="unreadable"):
        await MasterLoader([str(bad)], tmp_path, fetch, time(8, 0)).load()
