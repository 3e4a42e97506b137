"""Instruments area: the master, unified symbols and lookups."""

from __future__ import annotations

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import InstrumentNotFound
from ordo.domain import Instrument, InstrumentType, parse_derivative_symbol

from ordo_testing.compliance.checks import assert_domain, assert_domain_list, require, verifies
from ordo_testing.harness import SampleInstruments


@pytest.mark.asyncio
class InstrumentsSuite:
    """The instrument master maps unified symbols to instruments and refuses unknown ones."""

    @verifies(Capability.INSTRUMENTS)
    async def test_load_instruments_counts_the_master(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.INSTRUMENTS)
        count = await adapter.load_instruments(force=True)
        assert type(count) is int, f"load_instruments returned {type(count).__name__}, not int"
        assert count > 0, "load_instruments found no instruments in the fake's master"

    @verifies(Capability.INSTRUMENTS)
    async def test_sample_equity_is_in_the_master(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.INSTRUMENTS)
        inst = assert_domain(await adapter.get_instrument(samples.equity), Instrument)
        assert inst.ref == samples.equity, f"asked for {samples.equity}, got {inst.ref}"
        assert inst.instrument_type is InstrumentType.EQUITY, f"type is {inst.instrument_type}"
        assert inst.tradable, f"{samples.equity} must be tradable"
        assert inst.lot_size == 1, f"sample equity lot size is {inst.lot_size}, expected 1"
        assert samples.resting_buy_price % inst.tick_size == 0, (
            f"resting_buy_price {samples.resting_buy_price} is off the tick {inst.tick_size}"
        )

    @verifies(Capability.INSTRUMENTS)
    async def test_unknown_instrument_raises_instrument_not_found(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.INSTRUMENTS)
        with pytest.raises(InstrumentNotFound):
            await adapter.get_instrument(samples.unknown)

    @verifies(Capability.INSTRUMENTS)
    async def test_derivative_uses_the_unified_symbol(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.INSTRUMENTS)
        if samples.derivative is None:
            pytest.skip("the harness names no sample derivative")
        inst = assert_domain(await adapter.get_instrument(samples.derivative), Instrument)
        parsed = parse_derivative_symbol(inst.symbol)
        assert parsed is not None, f"{inst.symbol!r} is not a unified derivative symbol"
        assert inst.instrument_type is parsed.instrument_type, (
            f"{inst.symbol}: type {inst.instrument_type}, the symbol says {parsed.instrument_type}"
        )
        assert inst.expiry == parsed.expiry, f"{inst.symbol}: expiry {inst.expiry}"
        assert inst.strike == parsed.strike, f"{inst.symbol}: strike {inst.strike}"
        assert inst.lot_size >= 1, f"{inst.symbol}: lot size {inst.lot_size}"

    @verifies(Capability.INSTRUMENTS)
    async def test_untradable_instrument_is_marked(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.INSTRUMENTS)
        if samples.untradable is None:
            pytest.skip("the harness names no untradable sample")
        inst = assert_domain(await adapter.get_instrument(samples.untradable), Instrument)
        assert not inst.tradable, f"{samples.untradable} must be reported untradable"

    @verifies(Capability.INSTRUMENT_SEARCH)
    async def test_search_finds_the_sample_equity(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.INSTRUMENT_SEARCH)
        found = assert_domain_list(
            await adapter.search_instruments(samples.equity.symbol, limit=5), Instrument
        )
        assert len(found) <= 5, f"limit=5 returned {len(found)} instruments"
        assert samples.equity in [i.ref for i in found], (
            f"searching {samples.equity.symbol!r} did not find {samples.equity}"
        )
