"""The cheap audit path: the line writer thread, the lingering database sink, redaction's
fast paths, the instrument cache and the start-up heap freeze."""

from __future__ import annotations

import asyncio
import gc
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.adapters.errors import BrokerUnavailable
from ordo.audit.db_sink import DatabaseAuditSink
from ordo.audit.events import AuditEvent
from ordo.audit.line_writer import LineWriter
from ordo.audit.redaction import REDACTED, redact, redact_text
from ordo.domain import Exchange, Instrument
from ordo.heap import freeze_startup_heap
from ordo.orchestrator.instruments import InstrumentCache
from ordo.persistence import AuditRepository, Database

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_line_writer_keeps_order_and_chunks_by_size() -> None:
    written: list[str] = []
    writer = LineWriter(written.append, chunk_bytes=10, linger=0.01)
    writer.start()
    lines = [f"line-{i}\n" for i in range(50)]
    for line in lines:
        writer.put(line)
    writer.close()
    assert "".join(written) == "".join(lines)
    # Each chunk holds one 7-8 byte line more than 10 bytes would allow, never two.
    assert all(chunk.count("\n") == 1 for chunk in written)
    with pytest.raises(RuntimeError, match="closed"):
        writer.put("late\n")


def test_line_writer_joins_small_lines_into_one_chunk() -> None:
    written: list[str] = []
    writer = LineWriter(written.append, chunk_bytes=1000, linger=5.0)
    writer.start()
    for i in range(20):
        writer.put(f"{i}\n")
    writer.close()  # cuts the linger short and drains
    assert written == ["".join(f"{i}\n" for i in range(20))]


async def test_database_sink_flush_cuts_the_linger_short(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    await db.create_all()
    sink = DatabaseAuditSink(db, linger=60.0, chunk=7)
    sink.start()
    try:
        for i in range(30):
            sink.audit_event(AuditEvent(kind="k", payload={"i": i}))
        # Would wait a minute for more events without flush() waking the writer.
        await asyncio.wait_for(sink.flush(), 10)
        async with db.session() as s:
            page = await AuditRepository(s).query(limit=100)
        assert [r.payload["i"] for r in page.items] == list(range(30))
    finally:
        await sink.stop()
        await db.dispose()


def test_redaction_fast_paths_still_mask_everything() -> None:
    payload = {
        "symbol": "SBIN",
        "note": f"header BeArEr abcdef123456 and {JWT} and the secret s3cr3t-value!",
        "nested": [{"accessToken": "xyz", "qty": 5, "price": Decimal("1.5")}],
        "plain": "nothing to hide",
    }
    out = redact(payload, ["s3cr3t-value", "s3cr3t"])
    assert out["symbol"] == "SBIN"
    assert out["plain"] == "nothing to hide"
    assert "abcdef123456" not in out["note"]
    assert JWT not in out["note"]
    assert "s3cr3t" not in out["note"]
    assert f"BeArEr {REDACTED}" in out["note"]
    assert out["nested"] == [{"accessToken": REDACTED, "qty": 5, "price": Decimal("1.5")}]
    # The longest known secret wins over one it contains.
    assert redact_text("x s3cr3t-value y", ["s3cr3t", "s3cr3t-value"]) == f"x {REDACTED} y"


def _instrument(symbol: str) -> Instrument:
    return Instrument(exchange=Exchange.NSE, symbol=symbol, lot_size=1, tick_size=Decimal("0.05"))


async def test_instrument_cache_keeps_found_instruments_for_its_ttl() -> None:
    now = [0.0]
    cache = InstrumentCache(ttl_seconds=10.0, clock=lambda: now[0])
    calls: list[str] = []

    async def fetch() -> Instrument | None:
        calls.append("SBIN")
        return _instrument("SBIN")

    first = await cache.get("paper", "NSE", "SBIN", fetch)
    now[0] = 9.9
    assert await cache.get("paper", "NSE", "SBIN", fetch) is first
    assert len(calls) == 1
    # Another account is another entry; the TTL ending fetches again.
    await cache.get("desk", "NSE", "SBIN", fetch)
    now[0] = 10.0
    await cache.get("paper", "NSE", "SBIN", fetch)
    assert len(calls) == 3
    cache.invalidate("paper")
    await cache.get("paper", "NSE", "SBIN", fetch)
    assert len(calls) == 4
    assert len(cache) == 2


async def test_instrument_cache_never_keeps_misses_or_errors() -> None:
    cache = InstrumentCache(ttl_seconds=60.0)
    answers: list[Instrument | None] = [None, _instrument("NEW")]

    async def fetch() -> Instrument | None:
        return answers.pop(0)

    assert await cache.get("paper", "NSE", "NEW", fetch) is None
    found = await cache.get("paper", "NSE", "NEW", fetch)
    assert found is not None
    assert found.symbol == "NEW"

    async def failing() -> Instrument | None:
        raise BrokerUnavailable("down")

    with pytest.raises(BrokerUnavailable):
        await cache.get("paper", "NSE", "OTHER", failing)
    assert len(cache) == 1


def test_instrument_cache_is_bounded() -> None:
    cache = InstrumentCache(max_entries=2)

    async def fill() -> None:
        for symbol in ("A", "B", "C"):

            async def fetch(symbol: str = symbol) -> Instrument | None:
                return _instrument(symbol)

            await cache.get("paper", "NSE", symbol, fetch)

    asyncio.run(fill())
    assert len(cache) == 1


def test_heap_is_frozen_once_per_process() -> None:
    freeze_startup_heap()
    assert gc.get_freeze_count() > 0
    assert freeze_startup_heap() is False
