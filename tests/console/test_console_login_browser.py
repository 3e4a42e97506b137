"""The daily login in headless Chromium: signing in to the console (a wrong token first),
an OTP login of a paper account through its form (letters refused, then the right code),
and a Fyers login through the broker's page and back to the console's callback, served by
the Fyers fake on its own loopback port, so nobody copies a URL; the same callback
replayed is refused on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_adapter_fyers.fake import FakeFyers, create_app
from ordo_adapter_fyers.fake.__main__ import rehearsal_settings
from ordo_testing.live import live_gateway
from ordo_testing.loopback import loopback_socket, serving_on_loopback
from playwright.async_api import Browser, expect

from .conftest import EXPECT_TIMEOUT_MS, sign_in

pytestmark = pytest.mark.browser

TOKEN = "console-login-token-0123456789"
OTP = "482913"


def settings_for(tmp_path: Path, fyers: dict[str, Any] | None = None) -> Any:
    accounts = {"paper": AccountConfig(adapter="mock", settings={"seed": 3, "login_otp": OTP})}
    if fyers is not None:
        accounts["fyers"] = AccountConfig(adapter="fyers", settings=fyers)
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        console={"enabled": True},
        accounts=accounts,
    )


async def test_sign_in_then_an_otp_login_through_its_form(browser: Browser, tmp_path: Path) -> None:
    async with live_gateway(settings_for(tmp_path)) as gw:
        page = await browser.new_page()
        await page.goto(f"{gw.base_url}/console/accounts")
        await page.fill("#token", "not-the-token-0123456789")
        await page.click("form[action$='/signin'] button[type=submit]")
        await expect(page.locator("p.error")).to_contain_text(
            "That API token is not valid", timeout=EXPECT_TIMEOUT_MS
        )
        # The token field is empty again: a wrong token is never echoed back.
        await expect(page.locator("#token")).to_have_value("")
        await page.fill("#token", TOKEN)
        await page.click("form[action$='/signin'] button[type=submit]")
        await page.wait_for_url(f"{gw.base_url}/console/accounts", timeout=EXPECT_TIMEOUT_MS)

        card = page.locator("#account-paper")
        await expect(card.locator("[data-session-state]")).to_have_attribute(
            "data-session-state", "none"
        )
        await card.locator("form[action$='/accounts/paper/login'] button").click()
        answer = page.locator("#answer")
        await expect(answer).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
        # An OTP field: digits only, a phone shows its number pad.
        await expect(answer).to_have_attribute("inputmode", "numeric")
        await expect(answer).to_have_attribute("autocomplete", "one-time-code")

        # Letters: the browser's own check stops the form, then the server's does.
        await answer.fill("12ab56")
        assert not await answer.evaluate("e => e.checkValidity()")
        await answer.evaluate("e => e.removeAttribute('pattern')")
        await page.click("form[action*='/challenge/'] button[type=submit]")
        await expect(page.locator("p.error")).to_contain_text("digits", timeout=EXPECT_TIMEOUT_MS)
        assert "Traceback" not in await page.content()

        # "Send the code again": a fresh challenge, the form for it.
        first_action = await page.get_attribute("form[action*='/challenge/']", "action")
        await page.click("form[action$='/resend'] button[type=submit]")
        await expect(page.locator("p.success")).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
        assert await page.get_attribute("form[action*='/challenge/']", "action") != first_action

        await page.fill("#answer", OTP)
        await page.click("form[action*='/challenge/'] button[type=submit]")
        await page.wait_for_url(f"{gw.base_url}/console/accounts**", timeout=EXPECT_TIMEOUT_MS)
        await expect(page.locator("#account-paper [data-session-state]")).to_have_attribute(
            "data-session-state", "active", timeout=EXPECT_TIMEOUT_MS
        )
        assert gw.runtime.sessions.state(gw.runtime.accounts.get("paper")) == "active"
        await page.close()


async def test_a_fyers_login_returns_through_the_callback_and_a_replay_is_refused(
    browser: Browser, tmp_path: Path
) -> None:
    gateway_socket = loopback_socket()
    base = f"http://127.0.0.1:{gateway_socket.getsockname()[1]}"
    callback = f"{base}/console/callback/fyers"
    fake = FakeFyers(redirect_uri=callback, enforce_rate_limits=False)
    async with serving_on_loopback(create_app(fake)) as fake_base:
        fyers = {
            **rehearsal_settings(fake_base, fake.app_id, fake.app_secret),
            "redirect_uri": callback,
        }
        settings = settings_for(tmp_path, fyers)
        async with live_gateway(settings, sock=gateway_socket) as gw:
            assert gw.base_url == base
            page = await browser.new_page()
            await sign_in(page, gw.base_url, TOKEN, "/console/accounts")
            card = page.locator("#account-fyers")
            await card.locator("form[action$='/accounts/fyers/login'] button").click()
            broker_link = page.locator("a[data-broker-login]")
            await expect(broker_link).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
            assert (await broker_link.get_attribute("href") or "").startswith(fake_base)

            # The broker's page (the fake approves at once) redirects to the callback.
            await broker_link.click()
            await page.wait_for_url(f"{callback}?**", timeout=EXPECT_TIMEOUT_MS)
            done = page.locator("[data-callback-ok]")
            await expect(done).to_have_attribute("data-callback-ok", "yes")
            await expect(done).to_contain_text("fyers is logged in")
            assert gw.runtime.sessions.state(gw.runtime.accounts.get("fyers")) == "active"

            # The same redirect again (a reload, a link shared by mistake): refused.
            await page.reload()
            await expect(done).to_have_attribute("data-callback-ok", "no")
            await expect(done).to_contain_text("already used")
            assert "auth_code" not in (await done.text_content() or "")

            await page.goto(f"{gw.base_url}/console/accounts")
            await expect(card.locator("[data-session-state]")).to_have_attribute(
                "data-session-state", "active"
            )
            await page.close()
