"""The instrument store: on-disk cache, daily refresh, local file or URL source."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from ordo.adapters.errors import BrokerUnavailable
from ordo.domain import SymbolRef
from ordo_adapter_hdfc.fake import master_csv
from ordo_adapter_hdfc.instruments import InstrumentStore, is_stale
from ordo_adapter_hdfc.testing import HdfcHarness

EIGHT_IST = time(8, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Source:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    async def __call__(self, url: str) -> str:
        self.calls += 1
        if self.fail:
            raise BrokerUnavailable("down")
        return master_csv()


def test_staleness_follows_the_ist_refresh_time() -> None:
    # 2026-11-22 08:00 IST is 02:30 UTC
    before = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    after = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert not is_stale(before, EIGHT_IST, datetime(2026, 11, 22, 2, 20, tzinfo=UTC))
    assert is_stale(before, EIGHT_IST, after)
    assert not is_stale(after, EIGHT_IST, after + timedelta(hours=20))
    assert is_stale(after, EIGHT_IST, after + timedelta(days=1))


async def test_cache_then_daily_refresh(tmp_path: Path) -> None:
    clock, source = Clock(datetime(2026, 11, 22, 3, 0, tzinfo=UTC)), Source()
    store = InstrumentStore("https://x/master", tmp_path, source, refresh_at=EIGHT_IST, clock=clock)
    assert await store.load() == 17
    assert source.calls == 1
    assert store.cache_path.read_text(encoding="utf-8") == master_csv()
    await store.get()
    assert source.calls == 1  # fresh: memory
    other = InstrumentStore("https://x/master", tmp_path, source, refresh_at=EIGHT_IST, clock=clock)
    await other.get()
    assert source.calls == 1  # fresh: disk cache
    clock.now += timedelta(days=1)
    await other.get()
    assert source.calls == 2  # a new trading day
    assert await other.load(force=True) == 17
    assert source.calls == 3


async def test_stale_cache_beats_no_master(tmp_path: Path) -> None:
    clock, source = Clock(datetime(2026, 11, 22, 3, 0, tzinfo=UTC)), Source()
    store = InstrumentStore("https://x/master", tmp_path, source, refresh_at=EIGHT_IST, clock=clock)
    await store.load()
    clock.now += timedelta(days=3)
    source.fail = True
    assert await store.load() == 17
    empty = InstrumentStore("https://x/m", tmp_path / "none", source, refresh_at=EIGHT_IST)
    with pytest.raises(BrokerUnavailable):
        await empty.load()


async def test_local_file_source(tmp_path: Path) -> None:
    path = tmp_path / "master.csv"
    path.write_text(master_csv(), encoding="utf-8")
    source = Source()
    store = InstrumentStore(str(path), tmp_path / "cache", source, refresh_at=EIGHT_IST)
    assert await store.load() == 17
    assert source.calls == 0
    missing = InstrumentStore(
        str(tmp_path / "gone.csv"), tmp_path / "c2", source, refresh_at=EIGHT_IST
    )
    with pytest.raises(BrokerUnavailable, match="security master file"):
        await missing.load()


async def test_adapter_downloads_the_master_from_the_fake(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter()
    await adapter.start()
    assert (hdfc_harness.data_dir / "compliance" / "hdfc-security-master.csv").exists()
    instrument = await adapter.get_instrument(SymbolRef.parse("BFO:SENSEX01FEB3073000CE"))
    assert instrument.lot_size == 10
    assert instrument.broker_token == "B826625"
    # a restarted adapter works from the cache even when the broker is unreachable
    hdfc_harness.refuse_connections()
    again = hdfc_harness.create_adapter()
    await again.start()
    assert (await again.get_instrument(SymbolRef.parse("NSE:SBIN"))).broker_token == "SBIINDEQNR"
    await adapter.aclose()
    await again.aclose()


async def test_start_survives_an_unreachable_master(hdfc_harness: HdfcHarness) -> None:
    hdfc_harness.refuse_connections()
    adapter = hdfc_harness.create_adapter()
    await adapter.start()  # must not raise
    with pytest.raises(BrokerUnavailable):
        await adapter.get_instrument(SymbolRef.parse("NSE:SBIN"))
    hdfc_harness.refuse_connections(False)
    assert (await adapter.get_instrument(SymbolRef.parse("NSE:SBIN"))).symbol == "SBIN"
    await adapter.aclose()
