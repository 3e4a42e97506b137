"""Quotes area: snapshot prices for the unified symbols."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import InstrumentNotFound
from ordo.domain import Quote

from ordo_testing.compliance.checks import assert_domain_list, require, verifies
from ordo_testing.harness import SampleInstruments


@pytest.mark.asyncio
class QuotesSuite:
    """A quote answers for the symbol asked, with a positive Decimal price."""

    @verifies(Capability.QUOTES)
    async def test_quote_of_the_sample_equity(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.QUOTES)
        quotes = assert_domain_list(await adapter.get_quotes([samples.equity]), Quote)
        assert len(quotes) == 1, f"asked for one symbol, got {len(quotes)} quotes"
        quote = quotes[0]
        assert (quote.exchange, quote.symbol) == (samples.equity.exchange, samples.equity.symbol), (
            f"quote is for {quote.exchange}:{quote.symbol}, asked for {samples.equity}"
        )
        assert isinstance(quote.last_price, Decimal), f"last_price is {quote.last_price!r}"
        assert quote.last_price > 0, f"last_price {quote.last_price} is not positive"
        if quote.bid is not None and quote.ask is not None and quote.bid and quote.ask:
            assert quote.bid <= quote.ask, f"bid {quote.bid} above ask {quote.ask}"

    @verifies(Capability.QUOTES)
    async def test_quotes_keep_the_symbols_apart(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.QUOTES)
        if samples.derivative is None:
            pytest.skip("the harness names no sample derivative")
        refs = [samples.equity, samples.derivative]
        quotes = assert_domain_list(await adapter.get_quotes(refs), Quote)
        got = sorted(f"{q.exchange.value}:{q.symbol}" for q in quotes)
        assert got == sorted(str(r) for r in refs), f"asked for {refs}, got quotes for {got}"

    @verifies(Capability.QUOTES)
    async def test_quote_of_an_unknown_symbol_is_not_invented(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.QUOTES)
        try:
            quotes = await adapter.get_quotes([samples.unknown])
        except InstrumentNotFound:
            return
        quotes = assert_domain_list(quotes, Quote)
        invented = [q for q in quotes if q.symbol == samples.unknown.symbol]
        assert not invented, (
            f"a quote was returned for {samples.unknown}, which the master lacks: raise "
            "InstrumentNotFound or leave it out"
        )
