"""Screenshots of every console page at phone and desktop width, for the docs
(``make screenshots``; see docs/console.md).

A demo gateway is served on a loopback port with the console enabled: a paper account
that logs in by itself, one that asks for an OTP (its login started, the prompt waiting),
a few orders (one filled, one rejected after its acknowledgement) and their events.
Debian's Chromium (installed with apt when missing, as the browser tests do) then signs in
and photographs each page, full length, as
``<page>-<phone|desktop>.png``. A page that answers with an error, or is wider than the
screen (a phone would scroll sideways), stops the run: the screenshots only ever show pages
that work.

    uv run python -m bench.console_screenshots [--out docs/console] [--only orders,audit]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ordo.config import AccountConfig, Settings, load_settings
from ordo_adapter_mock import MockAdapter
from ordo_adapter_mock.after_ack import fill_partly, reject_after_ack
from ordo_testing.browser import CHROMIUM_ARGS, Chromium, find_chromium
from ordo_testing.live import LiveGateway, live_gateway
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

TOKEN = "console-screenshots-token-0123456789"
DEFAULT_OUT = Path("docs/console")
TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int


PHONE = Viewport("phone", 390, 844)
DESKTOP = Viewport("desktop", 1280, 800)
VIEWPORTS = (PHONE, DESKTOP)


@dataclass(frozen=True)
class Demo:
    """What the seeded gateway holds, for the pages that show one thing."""

    request_id: str
    """A request whose order was rejected after its acknowledgement."""
    challenge_id: str
    """The OTP prompt of the login started for ``paper-otp``."""


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    """The console path; ``{request_id}`` and ``{challenge_id}`` are the demo's."""
    ready: str | None = None
    """A selector that must be visible before the picture is taken."""
    signed_in: bool = True


SHOTS = (
    Shot("signin", "/console/signin", "#token", signed_in=False),
    Shot("accounts", "/console/accounts", "#account-paper"),
    Shot("login", "/console/accounts/paper-otp/challenge/{challenge_id}", "#answer"),
    Shot("status", "/console/status", "[data-overall]"),
    Shot("killswitch", "/console/kill-switch", "[data-kill-switch]"),
    Shot("orders", "/console/orders", "#order-events-state[data-state=live]"),
    Shot("request", "/console/requests/{request_id}", "section.leg"),
    # The order events of the trail, one short page (access records fill the rest).
    Shot("audit", "/console/audit?kind=order.*&limit=12", "#audit-events"),
)


def demo_settings(data_dir: Path) -> Settings:
    return load_settings(
        None,
        data_dir=data_dir,
        api_token=TOKEN,
        console={"enabled": True},
        # Polled by the seeding below, not by the clock: the same events every run.
        order_watch_interval_seconds=3600,
        accounts={
            "paper": AccountConfig(adapter="mock", settings={"seed": 5}),
            "paper-otp": AccountConfig(adapter="mock", settings={"seed": 6, "login_otp": "123456"}),
        },
    )


async def _place(gw: LiveGateway, price: str) -> tuple[str, str]:
    body = {
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 10,
        "order_type": "LIMIT",
        "price": price,
        "accounts": ["paper"],
    }
    async with gw.client(TOKEN) as client:
        response = await client.post("/api/v1/orders", json=body)
    response.raise_for_status()
    [leg] = response.json()["results"]
    return leg["data"]["order_id"], response.json()["request_id"]


async def seed(gw: LiveGateway) -> Demo:
    """Three orders on the paper account: one filled, one rejected after its
    acknowledgement, one still open; each change polled into order events."""
    adapter = gw.runtime.accounts.get("paper").adapter
    assert isinstance(adapter, MockAdapter)
    broker = adapter.broker
    broker.set_price("NSE:SBIN", "800")
    watcher = gw.runtime.watchers.running["paper"][1]
    filled, _ = await _place(gw, "700")
    rejected, rejected_request = await _place(gw, "701")
    await _place(gw, "702")
    await watcher.poll_once()
    fill_partly(broker, filled, 4, Decimal("699.50"))
    await watcher.poll_once()
    fill_partly(broker, filled, 6, Decimal("700"))
    reject_after_ack(broker, rejected, "RMS: margin shortfall after revaluation")
    await watcher.poll_once()
    login = await gw.runtime.sessions.begin(gw.runtime.accounts.get("paper-otp"))
    return Demo(request_id=rejected_request, challenge_id=str(login["challenge"]["challenge_id"]))


async def _sign_in(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/console/signin")
    await page.fill("#token", TOKEN)
    await page.click("form[action$='/signin'] button[type=submit]")
    await page.wait_for_url(f"{base_url}/console/**", timeout=TIMEOUT_MS)


async def _shoot(page: Page, base_url: str, shot: Shot, demo: Demo, target: Path) -> None:
    url = base_url + shot.path.format(request_id=demo.request_id, challenge_id=demo.challenge_id)
    response = await page.goto(url)
    if response is None or response.status >= 400:
        status = "no response" if response is None else response.status
        raise RuntimeError(f"{shot.name}: {url} answered {status}")
    if shot.ready:
        await page.locator(shot.ready).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    # A page wider than the screen makes a phone scroll sideways: refuse to document it.
    wider: int = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wider > 0:
        raise RuntimeError(f"{shot.name}: {url} is {wider}px wider than the screen")
    await page.screenshot(path=str(target), full_page=True)


async def capture(
    browser: Browser,
    gw: LiveGateway,
    demo: Demo,
    out: Path,
    *,
    shots: Sequence[Shot] = SHOTS,
    viewports: Sequence[Viewport] = VIEWPORTS,
) -> list[Path]:
    """Every shot at every viewport into ``out`` (an existing directory); the files
    written."""
    written: list[Path] = []
    for viewport in viewports:
        context: BrowserContext = await browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height},
            # Times on the pages are IST whatever this machine's zone; the browser agrees.
            timezone_id="Asia/Kolkata",
            locale="en-IN",
        )
        try:
            page = await context.new_page()
            for shot in [s for s in shots if not s.signed_in]:
                target = out / f"{shot.name}-{viewport.name}.png"
                await _shoot(page, gw.base_url, shot, demo, target)
                written.append(target)
            await _sign_in(page, gw.base_url)
            for shot in [s for s in shots if s.signed_in]:
                target = out / f"{shot.name}-{viewport.name}.png"
                await _shoot(page, gw.base_url, shot, demo, target)
                written.append(target)
        finally:
            await context.close()
    return written


async def run(
    out: Path,
    chromium: Chromium,
    shots: Sequence[Shot] = SHOTS,
    viewports: Sequence[Viewport] = VIEWPORTS,
) -> list[Path]:
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ordo-screenshots-") as data:
        async with live_gateway(demo_settings(Path(data))) as gw, async_playwright() as pw:
            demo = await seed(gw)
            browser = await pw.chromium.launch(
                executable_path=str(chromium.path), headless=True, args=list(CHROMIUM_ARGS)
            )
            try:
                return await capture(browser, gw, demo, out, shots=shots, viewports=viewports)
            finally:
                await browser.close()


def select(names: str | None) -> list[Shot]:
    if not names:
        return list(SHOTS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {s.name: s for s in SHOTS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown page(s) {', '.join(unknown)}; pages: {', '.join(known)}")
    return [known[n] for n in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    parser.add_argument("--only", help="comma-separated page names (default: every page)")
    args = parser.parse_args(argv)
    shots = select(args.only)
    found = find_chromium()
    if not isinstance(found, Chromium):
        print(f"no browser: {found.reason}", file=sys.stderr)
        return 2
    written = asyncio.run(run(args.out, found, shots))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
