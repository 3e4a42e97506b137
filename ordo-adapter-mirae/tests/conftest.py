"""Fixtures for the m.Stock adapter tests: a fresh fake per test and adapters wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.testing import MiraeHarness


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[MiraeHarness]:
    h = MiraeHarness(tmp_path)
    yield h
    await h.aclose()


@pytest_asyncio.fixture
async def anon(harness: MiraeHarness) -> AsyncIterator[MiraeAdapter]:
    adapter = harness.create_adapter("mirae-test")
    await adapter.start()
    yield adapter
    await adapter.aclose()


@pytest_asyncio.fixture
async def adapter(harness: MiraeHarness, anon: MiraeAdapter) -> MiraeAdapter:
    await harness.login(anon)
    return anon
