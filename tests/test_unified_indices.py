"""The unified index symbols (``NSE_INDEX:NIFTY``, ``NSE_INDEX:BANKNIFTY``,
``BSE_INDEX:SENSEX``) are the same on every adapter, each mapping to its broker's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo.domain import InstrumentType, SymbolRef
from ordo_adapter_fyers.symbology import from_fyers_ticker, to_fyers_ticker
from ordo_adapter_mirae.symbols import fallback_symbol
from ordo_testing.harness import load_harness

NIFTY = SymbolRef.parse("NSE_INDEX:NIFTY")
BANKNIFTY = SymbolRef.parse("NSE_INDEX:BANKNIFTY")
SENSEX = SymbolRef.parse("BSE_INDEX:SENSEX")

# What each fake's instrument master holds, under the unified symbol, with the broker's own
# reference kept as ``broker_token``.
IN_MASTER: dict[str, dict[SymbolRef, str | None]] = {
    "fyers": {NIFTY: "NSE:NIFTY50-INDEX", BANKNIFTY: "NSE:NIFTYBANK-INDEX"},
    "mirae": {NIFTY: None, BANKNIFTY: None},
    "hdfc": {NIFTY: None, SENSEX: None},
    "mock": {NIFTY: None, BANKNIFTY: None, SENSEX: None},
}


@pytest.mark.parametrize("adapter_id", sorted(IN_MASTER))
async def test_each_adapter_knows_the_indices_by_their_unified_symbol(
    adapter_id: str, tmp_path: Path
) -> None:
    harness = load_harness(adapter_id)(tmp_path)
    adapter = harness.create_adapter()
    try:
        for ref, broker_token in IN_MASTER[adapter_id].items():
            instrument = await adapter.get_instrument(ref)
            assert (instrument.exchange, instrument.symbol) == (ref.exchange, ref.symbol)
            assert instrument.instrument_type is InstrumentType.INDEX
            assert not instrument.tradable
            if broker_token is not None:
                assert instrument.broker_token == broker_token
    finally:
        await adapter.aclose()


def test_fyers_index_tickers_round_trip() -> None:
    expected = {
        NIFTY: "NSE:NIFTY50-INDEX",
        BANKNIFTY: "NSE:NIFTYBANK-INDEX",
        SENSEX: "BSE:SENSEX-INDEX",
    }
    for ref, ticker in expected.items():
        assert to_fyers_ticker(ref) == ticker
        assert from_fyers_ticker(ticker) == ref


def test_mirae_book_rows_name_indices_by_the_unified_symbol() -> None:
    assert fallback_symbol(NIFTY.exchange, "NIFTY 50") == "NIFTY"
    assert fallback_symbol(BANKNIFTY.exchange, "NIFTY BANK") == "BANKNIFTY"
    assert fallback_symbol(SENSEX.exchange, "SENSEX") == "SENSEX"
