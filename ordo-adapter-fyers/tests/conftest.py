"""Fixtures of the Fyers adapter tests: a harness with its in-process fake, and adapters
logged in against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.testing import FyersHarness


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[FyersHarness]:
    h = FyersHarness(tmp_path)
    yield h
    await h.aclose()


@pytest.fixture
async def adapter(harness: FyersHarness) -> AsyncIterator[FyersAdapter]:
    a = harness.create_adapter("fyers-main")
    await harness.login(a)
    yield a
    await a.aclose()
