"""The kill switch in headless Chromium: engaging it with a reason and "cancel open orders"
asks for confirmation, then shows each cancel's result, refuses orders and shows the banner
on every page; releasing it asks for confirmation too, and orders are accepted again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_testing.live import LiveGateway, live_gateway
from playwright.async_api import Browser, expect

from .conftest import EXPECT_TIMEOUT_MS, sign_in

pytestmark = pytest.mark.browser

TOKEN = "console-kill-token-0123456789"
ORDER = {
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "LIMIT",
    "price": "700",
    "accounts": ["paper"],
}


def settings_for(tmp_path: Path) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        console={"enabled": True},
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 4})},
    )


def engaged(gw: LiveGateway) -> bool:
    return gw.runtime.kill_switch_service.state.active


async def place(gw: LiveGateway) -> tuple[int, dict[str, Any]]:
    async with gw.client(TOKEN) as client:
        response = await client.post("/api/v1/orders", json=ORDER)
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def test_engage_with_cancels_then_release_each_confirmed(
    browser: Browser, tmp_path: Path
) -> None:
    async with live_gateway(settings_for(tmp_path)) as gw:
        status, body = await place(gw)
        assert status == 200, body
        open_order = body["results"][0]["data"]["order_id"]

        page = await browser.new_page()
        await sign_in(page, gw.base_url, TOKEN, "/console/kill-switch")
        state = page.locator("[data-kill-switch]")
        await expect(state).to_have_attribute("data-kill-switch", "released")

        await page.fill("#engage-reason", "strategy misbehaving")
        await page.check("input[name=cancel_open_orders]")
        await page.click("form[action$='/kill-switch/engage'] button[type=submit]")
        confirm = page.locator("[data-step=confirm]")
        await expect(confirm).to_contain_text("strategy misbehaving", timeout=EXPECT_TIMEOUT_MS)
        await expect(confirm).to_contain_text("every open order on every account will be")
        # Nothing happened before the confirmation.
        assert not engaged(gw)

        await confirm.locator("button[type=submit]").click()
        await expect(state).to_have_attribute(
            "data-kill-switch", "engaged", timeout=EXPECT_TIMEOUT_MS
        )
        cancelled = page.locator(f"[data-cancels] tr[data-cancel-order='{open_order}']")
        await expect(cancelled).to_have_count(1)
        await expect(cancelled).not_to_have_class("alert")
        await expect(page.locator(".banner.danger")).to_contain_text("strategy misbehaving")
        assert engaged(gw)
        status, body = await place(gw)
        assert status == 423
        assert body["error_code"] == "KILL_SWITCH_ACTIVE"

        # The banner follows the operator to every page.
        await page.goto(f"{gw.base_url}/console/orders")
        await expect(page.locator(".banner.danger")).to_be_visible()

        await page.goto(f"{gw.base_url}/console/kill-switch")
        await page.fill("#release-reason", "fixed the strategy")
        await page.click("form[action$='/kill-switch/release'] button[type=submit]")
        await expect(confirm).to_contain_text("fixed the strategy", timeout=EXPECT_TIMEOUT_MS)
        assert engaged(gw)
        await confirm.locator("button[type=submit]").click()
        await expect(state).to_have_attribute(
            "data-kill-switch", "released", timeout=EXPECT_TIMEOUT_MS
        )
        await expect(page.locator(".banner.danger")).to_have_count(0)
        status, body = await place(gw)
        assert status == 200, body
        await page.close()
