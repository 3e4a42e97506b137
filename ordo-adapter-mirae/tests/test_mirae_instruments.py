"""The scrip master: parsing, the on-disk cache, the daily refresh and its three sources."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.clock import IST
from ordo.adapters.errors import BrokerUnavailable, SessionExpired
from ordo.domain import Exchange, InstrumentType, SymbolRef
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.fake import sample_master_csv
from ordo_adapter_mirae.instruments import (
    InstrumentStore,
    MasterCache,
    last_refresh_boundary,
    parse_expiry,
    parse_master,
)
from ordo_adapter_mirae.testing import MiraeHarness

HEADER = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,"
    "tick_size,lot_size,instrument_type,segment,exchange\n"
)


def test_parse_sample_master() -> None:
    entries = {
        (e.instrument.exchange, e.instrument.symbol): e
        for e in parse_master(sample_master_csv(), date(2025, 1, 6))
    }
    assert len(entries) == 15
    assert entries[(Exchange.NSE, "SBIN")].tradingsymbol == "SBIN-EQ"
    assert entries[(Exchange.BSE, "SBIN")].tradingsymbol == "SBIN"
    assert entries[(Exchange.NSE_INDEX, "NIFTY")].broker_exchange == "NSE"
    option = entries[(Exchange.NFO, "NIFTY26DEC3021500PE")].instrument
    assert (option.instrument_type, option.lot_size, option.underlying) == (
        InstrumentType.PUT,
        75,
        "NIFTY",
    )
    assert entries[(Exchange.MCX, "CRUDEOIL19DEC30FUT")].instrument.tick_size == 1


def test_expired_contracts_are_not_tradable() -> None:
    [entry] = parse_master(
        HEADER + "1,1,NIFTY25JANFUT,NIFTY,1,2025-01-30,0,0.05,75,FUT,NFO-FUT,NFO\n",
        date(2025, 2, 1),
    )
    assert not entry.instrument.tradable


@pytest.mark.parametrize(
    "row",
    [
        "1,1,,X,1,,0,0.05,1,EQ,NSE,NSE\n",  # no symbol
        "1,1,X-EQ,X,1,,0,0.05,1,EQ,NCDEX,NCDEX\n",  # unknown exchange
        "1,1,X,X,1,,0,0.05,1,WARRANT,NSE,NSE\n",  # unknown type
        "1,1,NIFTYFUT,NIFTY,1,,0,0.05,75,FUT,NFO-FUT,NFO\n",  # future without expiry
    ],
)
def test_unusable_rows_are_skipped(row: str) -> None:
    assert parse_master(HEADER + row) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-12-26", date(2030, 12, 26)),
        ("26-12-2030", date(2030, 12, 26)),
        ("23Oct2025", date(2025, 10, 23)),
        ("07-NOV-2024", date(2024, 11, 7)),
        ("", None),
        ("soon", None),
    ],
)
def test_parse_expiry(text: str, expected: date | None) -> None:
    assert parse_expiry(text) == expected


@pytest.mark.parametrize(
    ("now", "boundary"),
    [
        (datetime(2025, 1, 7, 9, 0, tzinfo=IST), datetime(2025, 1, 7, 8, 35, tzinfo=IST)),
        (datetime(2025, 1, 7, 8, 0, tzinfo=IST), datetime(2025, 1, 6, 8, 35, tzinfo=IST)),
    ],
)
def test_refresh_boundary(now: datetime, boundary: datetime) -> None:
    assert last_refresh_boundary("08:35", now) == boundary


async def test_store_caches_on_disk_and_goes_stale_daily(tmp_path: Path) -> None:
    fetched_at = datetime(2025, 1, 6, 9, 0, tzinfo=IST)
    store = InstrumentStore(MasterCache(tmp_path, "src"), "08:35")

    async def fetch() -> str:
        return sample_master_csv()

    assert await store.refresh(fetch, fetched_at) == 15
    assert not store.is_stale(datetime(2025, 1, 7, 8, 0, tzinfo=IST))
    assert store.is_stale(datetime(2025, 1, 7, 8, 36, tzinfo=IST))
    reopened = InstrumentStore(MasterCache(tmp_path, "src"), "08:35")
    assert reopened.load_cached(fetched_at)
    assert reopened.index.get(SymbolRef.parse("NSE:SBIN")) is not None
    assert not InstrumentStore(MasterCache(tmp_path, "other"), "08:35").load_cached()


async def test_empty_download_keeps_the_old_master(tmp_path: Path) -> None:
    store = InstrumentStore(MasterCache(tmp_path, "src"), "08:35")

    async def good() -> str:
        return sample_master_csv()

    async def empty() -> str:
        return HEADER

    await store.refresh(good)
    assert await store.refresh(empty) == 0
    assert len(store.index) == 15


async def test_adapter_loads_once_a_day_and_reuses_the_cache(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter()
    assert await adapter.load_instruments() == 15
    harness.master_path.write_text(HEADER, encoding="utf-8")  # a later download would be empty
    assert await adapter.load_instruments() == 15  # fresh: no refetch
    with pytest.raises(BrokerUnavailable, match="no usable rows"):
        await adapter.load_instruments(force=True)
    restarted = harness.create_adapter()
    await restarted.start()
    assert (await restarted.get_instrument(SymbolRef.parse("NSE:SBIN"))).lot_size == 1
    await adapter.aclose()
    await restarted.aclose()


async def test_missing_master_file(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter(instruments_source=str(harness.data_dir / "absent.csv"))
    with pytest.raises(BrokerUnavailable, match="cannot read"):
        await adapter.load_instruments()
    await adapter.aclose()


async def test_master_from_the_broker_needs_a_session(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter(instruments_source=None)
    with pytest.raises(SessionExpired):
        await adapter.load_instruments()
    await harness.login(adapter)
    assert await adapter.load_instruments() == 15
    assert ("GET", "/openapi/typea/instruments/scriptmaster") in harness.broker.calls
    await adapter.aclose()


async def test_master_from_a_url(harness: MiraeHarness) -> None:
    seen: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=sample_master_csv(), headers={"content-type": "text/csv"})

    settings = harness.settings(instruments_source="https://mirror.example/master.csv")
    context = AdapterContext("url", harness.data_dir, transport=httpx.MockTransport(serve))
    adapter = MiraeAdapter(settings, context)
    assert await adapter.load_instruments() == 15
    assert str(seen[0].url) == "https://mirror.example/master.csv"
    assert "Authorization" not in seen[0].headers  # no m.Stock credentials to a mirror
    await adapter.aclose()
