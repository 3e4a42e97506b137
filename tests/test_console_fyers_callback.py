"""The console's redirect login against the fake Fyers: the browser goes from the console to
the broker's login page and back to ``/console/callback/{account}``, which completes the
login; a replayed or foreign callback is refused with a clear page and no login."""

from __future__ import annotations

import html
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ordo import hookimpl
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.plugins import create_plugins
from ordo_adapter_fyers.testing import FyersHarness
from ordo_testing.console import sign_in, submit
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "console-fyers-token-61c0ab"
OTP = "97531864"
ACCOUNT = "fyers-main"
CALLBACK = f"http://ordo.test/console/callback/{ACCOUNT}"
BROKER_LINK = re.compile(r'<a class="button" href="([^"]+)" rel="noreferrer" data-broker-login>')


class Recorder:
    __name__ = "console_fyers_recorder"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def dumped(self) -> str:
        return "\n".join(e.model_dump_json() for e in self.events)


@pytest.fixture(autouse=True)
def clean_ordo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's ``ORDO_*`` variables must not change what the gateway here sees."""
    for name in list(os.environ):
        if name.upper().startswith("ORDO_") and not name.upper().startswith("ORDO_TEST_"):
            monkeypatch.delenv(name)


@dataclass
class Setup:
    gw: InProcessGateway
    harness: FyersHarness
    recorder: Recorder

    def state(self) -> str:
        runtime = self.gw.runtime
        return runtime.sessions.state(runtime.accounts.get(ACCOUNT)).value

    def browser(self) -> httpx.AsyncClient:
        """A browser arriving from the broker's site: the console's SameSite=Strict cookie
        is not sent, so it carries none."""
        transport = httpx.ASGITransport(app=self.gw.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://ordo.test")


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    harness = FyersHarness(tmp_path / "fake", redirect_uri=CALLBACK)
    settings = load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        console={"enabled": True},
        accounts={
            ACCOUNT: AccountConfig(adapter="fyers", settings=dict(harness.settings())),
            "desk": AccountConfig(adapter="mock", settings={"login_otp": OTP}),
        },
    )
    recorder = Recorder()
    plugins = create_plugins(allow="fyers,mock", extra_plugins=[recorder])
    async with gateway_in_process(
        settings, plugins=plugins, transports={ACCOUNT: harness.transport}
    ) as gw:
        await sign_in(gw.client, TOKEN)
        yield Setup(gw, harness, recorder)


async def broker_redirect(setup: Setup, started: httpx.Response | None = None) -> str:
    """Press "Log in" (unless ``started`` is where another button led), follow the page's
    link to the broker's login page, and return where the broker redirects the browser."""
    if started is None:
        started = await submit(setup.gw.client, f"/console/accounts/{ACCOUNT}/login")
    assert started.status_code == 303
    page = await setup.gw.client.get(started.headers["location"])
    assert CALLBACK in page.text  # the redirect URI to register is shown
    link = BROKER_LINK.search(page.text)
    assert link is not None
    async with httpx.AsyncClient(transport=setup.harness.transport) as broker:
        approved = await broker.get(html.unescape(link[1]))
    assert approved.status_code == 302
    location = approved.headers["location"]
    assert location.startswith(f"{CALLBACK}?")
    return location


async def test_the_broker_redirect_completes_the_login(setup: Setup) -> None:
    location = await broker_redirect(setup)
    assert setup.state() == "pending_challenge"
    async with setup.browser() as browser:
        done = await browser.get(location)
    assert done.status_code == 200
    assert f"{ACCOUNT} is logged in." in done.text
    assert 'data-callback-ok="yes"' in done.text
    assert done.headers["referrer-policy"] == "no-referrer"
    assert setup.state() == "active"
    auth_code = httpx.URL(location).params["auth_code"]
    assert auth_code not in setup.recorder.dumped()
    page = await setup.gw.client.get("/console/accounts")
    assert 'data-session-state="active"' in page.text


async def test_a_replayed_callback_is_refused(setup: Setup) -> None:
    location = await broker_redirect(setup)
    async with setup.browser() as browser:
        assert (await browser.get(location)).status_code == 200
        session = setup.gw.runtime.accounts.get(ACCOUNT).adapter.session
        replay = await browser.get(location)
    assert replay.status_code == 409
    assert "This login link was already used" in replay.text
    assert 'data-callback-ok="no"' in replay.text
    assert "Traceback" not in replay.text
    # The session of the first callback is untouched.
    assert setup.gw.runtime.accounts.get(ACCOUNT).adapter.session is session


async def test_a_callback_with_no_login_waiting_is_refused(setup: Setup) -> None:
    forged = setup.harness.fake.issue_auth_code("some-state")
    async with setup.browser() as browser:
        response = await browser.get(forged)
    assert response.status_code == 410
    assert "No login of fyers-main is waiting" in response.text
    assert setup.state() == "none"


async def test_a_callback_of_another_login_attempt_is_refused(setup: Setup) -> None:
    await broker_redirect(setup)
    foreign = setup.harness.fake.issue_auth_code("state-of-another-attempt")
    async with setup.browser() as browser:
        response = await browser.get(foreign)
    assert response.status_code == 422
    assert "another login attempt" in response.text
    assert setup.state() == "pending_challenge"


async def test_a_broker_error_on_the_redirect_is_shown(setup: Setup) -> None:
    location = await broker_redirect(setup)
    refused = location.replace("s=ok", "s=error")
    async with setup.browser() as browser:
        response = await browser.get(refused)
    assert response.status_code == 422
    assert "Fyers login reported 'error'" in html.unescape(response.text)
    assert setup.state() == "pending_challenge"


async def test_log_in_all_goes_on_after_the_callback(setup: Setup) -> None:
    client = setup.gw.client
    started = await submit(client, "/console/accounts/login-all")
    assert started.headers["location"].startswith(f"/console/accounts/{ACCOUNT}/challenge/")
    location = await broker_redirect(setup, started)
    async with setup.browser() as browser:
        done = await browser.get(location)
    assert "Continue with the next account" in done.text
    walk = await client.get("/console/accounts/login-all")
    assert "Next: <strong>desk</strong>" in walk.text
    following = await submit(client, "/console/accounts/login-all/next", csrf_from=walk.url.path)
    challenge = following.headers["location"]
    assert challenge.startswith("/console/accounts/desk/challenge/")
    finished = await submit(client, challenge, {"answer": OTP}, csrf_from=challenge)
    assert finished.headers["location"] == "/console/accounts/login-all"
    summary = await client.get("/console/accounts/login-all")
    rows = re.findall(r'data-walk-account="([\w-]+)" data-ok="(\w+)"', summary.text)
    assert rows == [(ACCOUNT, "yes"), ("desk", "yes")]
    assert "Logged in through the broker&#39;s page." in summary.text
