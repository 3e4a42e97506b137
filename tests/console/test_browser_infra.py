"""The browser-test machinery itself: a gateway served on a loopback port of the test's
event loop, and the system Chromium loading a page of it while the test reaches the
runtime directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_testing.live import live_gateway
from playwright.async_api import Browser

pytestmark = pytest.mark.browser

TOKEN = "browser-infra-token-0123456789"


async def test_the_browser_reads_a_live_gateway(browser: Browser, tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    async with live_gateway(settings) as gw:
        assert gw.base_url.startswith("http://127.0.0.1:")
        assert [a.name for a in gw.runtime.accounts] == ["paper"]
        page = await browser.new_page()
        response = await page.goto(f"{gw.base_url}/health")
        assert response is not None
        assert response.status == 200
        assert '"status":"ok"' in (await page.text_content("body") or "")
        async with gw.client(TOKEN) as client:
            status = await client.get("/api/v1/kill-switch")
        assert status.status_code == 200
        await page.close()
