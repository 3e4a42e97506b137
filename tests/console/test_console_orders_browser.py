"""The orders page in headless Chromium: an order placed through the API, then filled at
the paper broker, appears in the live event table without a reload; a rejection after the
acknowledgement appears marked; the request's page lists its leg from the ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo.events.watcher import OrderWatcher
from ordo_adapter_mock import MockAdapter
from ordo_adapter_mock.after_ack import fill_partly, reject_after_ack
from ordo_testing.live import LiveGateway, live_gateway
from playwright.async_api import Browser, Page, expect

from .conftest import EXPECT_TIMEOUT_MS, sign_in

pytestmark = pytest.mark.browser

TOKEN = "console-orders-token-0123456789"
REJECTION = "RMS: margin shortfall after revaluation"


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        console={"enabled": True},
        # The test drives each poll itself; the background poll waits an hour.
        order_watch_interval_seconds=3600,
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 5})},
        **extra,
    )


def watcher(gw: LiveGateway) -> OrderWatcher:
    return gw.runtime.watchers.running["paper"][1]


def paper(gw: LiveGateway) -> MockAdapter:
    adapter = gw.runtime.accounts.get("paper").adapter
    assert isinstance(adapter, MockAdapter)
    return adapter


async def place_limit(gw: LiveGateway) -> tuple[str, str]:
    body = {
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 10,
        "order_type": "LIMIT",
        "price": "700",
        "accounts": ["paper"],
    }
    async with gw.client(TOKEN) as client:
        response = await client.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    [leg] = response.json()["results"]
    return leg["data"]["order_id"], response.json()["request_id"]


async def test_an_order_event_appears_live_and_a_late_rejection_is_marked(
    browser: Browser, tmp_path: Path
) -> None:
    async with live_gateway(settings_for(tmp_path)) as gw:
        broker = paper(gw).broker
        broker.set_price("NSE:SBIN", "800")
        page = await browser.new_page()
        await sign_in(page, gw.base_url, TOKEN)
        state = page.locator("#order-events-state")
        await expect(state).to_have_attribute("data-state", "live", timeout=EXPECT_TIMEOUT_MS)
        rows = page.locator("#order-events tbody tr")
        await expect(rows).to_have_count(0)

        filled, request_id = await place_limit(gw)
        assert await watcher(gw).poll_once() == 1  # OPEN
        first = rows.first
        await expect(first).to_contain_text("OPEN", timeout=EXPECT_TIMEOUT_MS)
        await expect(first).to_contain_text(filled)

        fill_partly(broker, filled, 10, Decimal("699.5"))
        assert await watcher(gw).poll_once() == 1  # FILLED
        await expect(rows).to_have_count(2, timeout=EXPECT_TIMEOUT_MS)
        await expect(rows.first).to_contain_text("FILLED")
        await expect(rows.first).to_contain_text("699.5")
        await expect(rows.first.locator("a")).to_have_attribute("title", request_id)
        await expect(page.locator("#order-events tr.alert")).to_have_count(0)

        rejected, _ = await place_limit(gw)
        assert await watcher(gw).poll_once() == 1
        reject_after_ack(broker, rejected, REJECTION)
        assert await watcher(gw).poll_once() == 1
        alert = page.locator("#order-events tr[data-after-ack='true']")
        await expect(alert).to_have_count(1, timeout=EXPECT_TIMEOUT_MS)
        await expect(alert).to_have_class("alert fresh")
        await expect(alert).to_contain_text(REJECTION)
        await expect(alert).to_contain_text("rejected after acknowledgement")
        await expect(rows).to_have_count(4)
        # Nothing was reloaded: the page is the one that was open before the first order.
        assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1

        # After a reload the server renders the same events, the rejection still marked,
        # and the order book lists both orders with their requests.
        await page.reload()
        await expect(rows).to_have_count(4, timeout=EXPECT_TIMEOUT_MS)
        await expect(page.locator("#order-events tr.alert")).to_contain_text(REJECTION)
        book = page.locator(f"tr[data-order='paper/{rejected}']")
        await expect(book).to_have_class("alert")
        await expect(page.locator(f"tr[data-order='paper/{filled}']")).to_contain_text("FILLED")

        # The request's page: its leg from the ledger with the order's events.
        await page.locator(f"tr[data-order='paper/{filled}'] a").click()
        await page.wait_for_url(f"{gw.base_url}/console/requests/{request_id}")
        leg = page.locator("section.leg")
        await expect(leg).to_have_count(1)
        await expect(leg).to_contain_text("acknowledged")
        await expect(leg.locator("[data-field=order-status]")).to_have_text("FILLED")
        await expect(leg.locator("tbody tr")).to_have_count(2)
        await page.close()


async def connections_beyond(page: Page, seen: int) -> None:
    """Until the page's stream has connected twice more than ``seen`` times (checked on
    every frame, so no count is skipped over)."""
    await page.wait_for_function(
        "n => Number(document.getElementById('order-events').dataset.connections) >= n",
        arg=seen + 2,
        timeout=EXPECT_TIMEOUT_MS,
    )


async def test_the_stream_resumes_after_each_reconnect_without_repeating_an_event(
    browser: Browser, tmp_path: Path
) -> None:
    # Each stream lives a quarter of a second: EventSource reconnects again and again,
    # with Last-Event-ID.
    async with live_gateway(settings_for(tmp_path, events_stream_seconds=0.25)) as gw:
        paper(gw).broker.set_price("NSE:SBIN", "800")
        page = await browser.new_page()
        await sign_in(page, gw.base_url, TOKEN)
        table = page.locator("#order-events")
        rows = page.locator("#order-events tbody tr")
        order_id, _ = await place_limit(gw)
        assert await watcher(gw).poll_once() == 1
        await expect(rows).to_have_count(1, timeout=EXPECT_TIMEOUT_MS)
        # Wait for two more connections, so the next event crosses a reconnect.
        await connections_beyond(page, int(await table.get_attribute("data-connections") or 0))
        fill_partly(paper(gw).broker, order_id, 10, Decimal("700"))
        assert await watcher(gw).poll_once() == 1
        await expect(rows).to_have_count(2, timeout=EXPECT_TIMEOUT_MS)
        await expect(rows.first).to_contain_text("FILLED")
        # More reconnects: each event arrived once (the page counts every frame).
        await connections_beyond(page, int(await table.get_attribute("data-connections") or 0))
        await expect(rows).to_have_count(2)
        ids = await rows.evaluate_all("rows => rows.map(r => r.dataset.eventId)")
        assert ids == ["2", "1"]
        await expect(table).to_have_attribute("data-received", "2")
        await page.close()
