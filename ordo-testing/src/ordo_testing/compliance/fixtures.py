"""The fixtures an adapter package fills to run the compliance suite.

An adapter package subclasses ``AdapterFixtures`` once, naming its harness class, and mixes
that class into one-line test classes per suite area::

    class FyersFixtures(AdapterFixtures):
        harness_cls = FyersHarness

    class TestFyersOrders(FyersFixtures, OrdersSuite):
        pass

Every test gets a fresh harness (so a fresh fake broker), which keeps tests independent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import pytest
import pytest_asyncio
from ordo.adapters.base import BrokerAdapter

from ordo_testing.harness import AdapterHarness, SampleInstruments


class AdapterFixtures:
    """Fixtures the suite classes use. Set ``harness_cls`` (or override ``harness``).

    Every test class built on it runs under the live-broker guard (``ordo_live_guard``), so
    the compliance suite never reaches a real broker, whatever the project's configuration.
    """

    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.ordo_live_guard]
    harness_cls: ClassVar[type[AdapterHarness] | None] = None

    @pytest_asyncio.fixture
    async def harness(self, tmp_path: Path) -> AsyncIterator[AdapterHarness]:
        """A fresh harness (and with it a fresh fake broker) for one test."""
        if self.harness_cls is None:
            raise TypeError(
                f"{type(self).__name__} must set harness_cls or override the harness fixture"
            )
        harness = self.harness_cls(tmp_path)
        try:
            yield harness
        finally:
            await harness.aclose()

    @pytest_asyncio.fixture
    async def anon_adapter(self, harness: AdapterHarness) -> AsyncIterator[BrokerAdapter]:
        """A started adapter that has not logged in."""
        adapter = harness.create_adapter()
        await adapter.start()
        try:
            yield adapter
        finally:
            await adapter.aclose()

    @pytest_asyncio.fixture
    async def adapter(self, harness: AdapterHarness) -> AsyncIterator[BrokerAdapter]:
        """A started adapter logged in through every challenge of the fake."""
        adapter = harness.create_adapter()
        await adapter.start()
        try:
            await harness.login(adapter)
            yield adapter
        finally:
            await adapter.aclose()

    @pytest.fixture
    def samples(self, harness: AdapterHarness) -> SampleInstruments:
        """The fake's sample instruments the suite trades and quotes."""
        return harness.samples()
