"""Fixtures of the console's browser tests: Debian's Chromium (installed on demand, else a
visible skip) driven by Playwright, and gateways served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ordo_testing.browser import CHROMIUM_ARGS, Chromium, find_chromium
from playwright.async_api import Browser, Page, async_playwright, expect


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


EXPECT_TIMEOUT_MS = 20_000
"""How long a DOM condition may take to hold (a slow, shared CI machine; a passing test
waits only as long as the condition takes)."""


async def sign_in(page: Page, base_url: str, token: str, target: str = "/console/orders") -> None:
    """Open ``target``, get sent to the sign-in form, enter ``token``, land on ``target``."""
    await page.goto(f"{base_url}{target}")
    await expect(page.locator("#token")).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
    await page.fill("#token", token)
    await page.click("form[action$='/signin'] button[type=submit]")
    await page.wait_for_url(f"{base_url}{target}", timeout=EXPECT_TIMEOUT_MS)
