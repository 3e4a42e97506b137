"""Fixtures of the console's browser tests: Debian's Chromium (installed on demand, else a
visible skip) driven by Playwright, and gateways served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ordo_testing.browser import CHROMIUM_ARGS, Chromium, find_chromium
from playwright.async_api import Browser, async_playwright


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """The system browser; installs the ``chromium`` package when missing (root with apt),
    else skips every browser test saying what is missing."""
    found = find_chromium()
    if not isinstance(found, Chromium):
        pytest.skip(f"no browser for the console tests: {found.reason}")
    return found


@pytest.fixture
async def browser(chromium: Chromium) -> AsyncIterator[Browser]:
    """A headless Chromium of its own for one test (no state shared between tests)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium.path), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
