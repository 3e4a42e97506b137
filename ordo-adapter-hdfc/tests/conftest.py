"""Fixtures for the HDFC adapter tests: a fake broker and adapters wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.testing import HdfcHarness


@pytest_asyncio.fixture
async def hdfc_harness(tmp_path: Path) -> AsyncIterator[HdfcHarness]:
    harness = HdfcHarness(tmp_path)
    try:
        yield harness
    finally:
        await harness.aclose()


@pytest_asyncio.fixture
async def hdfc(hdfc_harness: HdfcHarness) -> AsyncIterator[HdfcAdapter]:
    """A started, logged-in adapter."""
    adapter = hdfc_harness.create_adapter()
    await adapter.start()
    await hdfc_harness.login(adapter)
    try:
        yield adapter
    finally:
        await adapter.aclose()
