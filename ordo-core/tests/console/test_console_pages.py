"""The console's pages against the paper broker: the daily login through the OTP form
(letters, wrong code, resend, expiry, "log in all"), the status page and the kill switch
with its confirmation step and each cancel's result."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ordo import hookimpl
from ordo.adapters.errors import BrokerUnavailable
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.domain import OrderRequest
from ordo.plugins import create_plugins
from ordo_client.admin import GatewayStatus
from ordo_testing.console import follow, sign_in, submit
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "console-pages-token-3e7a41"
OTP = "24681097"
CHALLENGE = re.compile(r"^/console/accounts/(\w+)/challenge/([\w.-]+)$")


class Recorder:
    __name__ = "console_pages_recorder"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def kinds(self, account: str | None = None) -> list[str]:
        return [e.kind for e in self.events if account is None or e.account == account]

    def dumped(self) -> str:
        return "\n".join(e.model_dump_json() for e in self.events)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def gw(tmp_path: Path, recorder: Recorder) -> AsyncIterator[InProcessGateway]:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        request_deadline_seconds=2.0,
        console={"enabled": True},
        accounts={
            "auto": AccountConfig(adapter="mock", settings={"seed": 1}),
            "desk": AccountConfig(adapter="mock", settings={"login_otp": OTP}),
            "spare": AccountConfig(adapter="mock", settings={"login_otp": OTP}),
            "brief": AccountConfig(
                adapter="mock", settings={"login_otp": OTP, "challenge_ttl_seconds": 0}
            ),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[recorder])
    async with gateway_in_process(settings, plugins=plugins) as gateway:
        gateway.runtime.safety.policy.base_delay = 0.001
        await sign_in(gateway.client, TOKEN)
        yield gateway


def state_of(gw: InProcessGateway, account: str) -> str:
    runtime = gw.runtime
    return runtime.sessions.state(runtime.accounts.get(account)).value


async def start_login(gw: InProcessGateway, account: str) -> tuple[str, str]:
    """Press "Log in" for ``account``: (the challenge page's path, the challenge id)."""
    response = await submit(gw.client, f"/console/accounts/{account}/login")
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    match = CHALLENGE.match(location)
    assert match is not None, location
    assert match[1] == account
    return location, match[2]


async def test_the_accounts_page_lists_each_session(gw: InProcessGateway) -> None:
    page = await gw.client.get("/console/accounts")
    assert page.status_code == 200
    for name, state in (("auto", "active"), ("desk", "none"), ("brief", "none")):
        card = page.text.split(f'data-account="{name}"', 1)[1].split("</section>", 1)[0]
        assert f'data-session-state="{state}"' in card
        assert f'action="/console/accounts/{name}/login"' in card
    auto = page.text.split('data-account="auto"', 1)[1].split("</section>", 1)[0]
    assert "Expires" in auto
    assert "never" not in auto
    assert "data-egress" not in page.text  # no egress check in the status data
    assert 'action="/console/accounts/login-all"' in page.text


async def test_an_otp_login_through_the_form(gw: InProcessGateway, recorder: Recorder) -> None:
    path, _ = await start_login(gw, "desk")
    assert state_of(gw, "desk") == "pending_challenge"
    form = await gw.client.get(path)
    assert form.status_code == 200
    field = re.search(r"<input id=\"answer\"[^>]*>", form.text)
    assert field is not None
    assert 'inputmode="numeric"' in field[0]
    assert 'autocomplete="one-time-code"' in field[0]
    assert 'pattern="[0-9]{4,8}"' in field[0]
    assert "Send the code again" in form.text

    letters = await submit(gw.client, path, {"answer": "24b81o97"}, csrf_from=path)
    assert letters.status_code == 422
    assert "digits only: it cannot contain letters" in letters.text
    assert "login.failed" not in recorder.kinds("desk")  # never reached the broker

    wrong = await submit(gw.client, path, {"answer": "11112222"}, csrf_from=path)
    assert wrong.status_code == 422
    assert "refused the answer" in wrong.text
    assert "2 attempt(s) left" in wrong.text

    right = await submit(gw.client, path, {"answer": f" {OTP[:4]} {OTP[4:]} "}, csrf_from=path)
    assert right.headers["location"] == "/console/accounts?notice=logged_in&account=desk"
    page = await follow(gw.client, right)
    assert "desk is logged in." in page.text
    assert state_of(gw, "desk") == "active"
    assert recorder.kinds("desk").count("session.active") == 1
    assert OTP not in recorder.dumped()
    assert TOKEN not in recorder.dumped()


async def test_resend_replaces_the_prompt(gw: InProcessGateway) -> None:
    path, first = await start_login(gw, "desk")
    response = await submit(gw.client, f"{path}/resend", csrf_from=path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?resent=1")
    fresh = CHALLENGE.match(location.split("?")[0])
    assert fresh is not None
    assert fresh[2] != first
    page = await follow(gw.client, response)
    assert "A new code is on its way." in page.text
    old = await gw.client.get(path)
    assert old.status_code == 410
    assert "no longer waiting for an answer" in old.text
    done = await submit(gw.client, location, {"answer": OTP}, csrf_from=location)
    assert done.status_code == 303
    assert state_of(gw, "desk") == "active"


async def test_an_expired_prompt_says_so(gw: InProcessGateway) -> None:
    path, _ = await start_login(gw, "brief")
    response = await gw.client.get(path)
    assert response.status_code == 410
    assert "Start the login again" in response.text
    assert "Traceback" not in response.text


async def test_log_in_all_walks_every_account_in_turn(gw: InProcessGateway) -> None:
    response = await submit(gw.client, "/console/accounts/login-all")
    # "auto" is logged in already; the walk starts with the first account that is not.
    first = CHALLENGE.match(response.headers["location"])
    assert first is not None
    assert first[1] == "desk"
    page = await follow(gw.client, response)
    assert "Log in all: 1 of 3" in page.text
    step = await submit(gw.client, first[0], {"answer": OTP}, csrf_from=first[0])
    second = CHALLENGE.match(step.headers["location"])
    assert second is not None
    assert second[1] == "spare"
    # The expired prompt of "brief" is skipped by hand.
    after_spare = await submit(gw.client, second[0], {"answer": OTP}, csrf_from=second[0])
    third = CHALLENGE.match(after_spare.headers["location"])
    assert third is not None
    assert third[1] == "brief"
    gone = await gw.client.get(third[0])
    assert gone.status_code == 410
    assert "Skip brief" in gone.text
    skipped = await submit(gw.client, "/console/accounts/login-all/skip", csrf_from=third[0])
    assert skipped.headers["location"] == "/console/accounts/login-all"
    summary = await follow(gw.client, skipped)
    rows = re.findall(r'data-walk-account="(\w+)" data-ok="(\w+)"', summary.text)
    assert rows == [("desk", "yes"), ("spare", "yes"), ("brief", "no")]
    assert "Skipped." in summary.text
    assert [state_of(gw, n) for n in ("auto", "desk", "spare")] == ["active"] * 3
    # The summary is shown once; the walk is over.
    again = await gw.client.get("/console/accounts/login-all")
    assert again.headers["location"] == "/console/accounts"


async def test_log_in_all_passes_accounts_that_need_no_prompt(gw: InProcessGateway) -> None:
    response = await submit(gw.client, "/console/accounts/login-all", {"everyone": "yes"})
    first = CHALLENGE.match(response.headers["location"])
    # "auto" logged in again without a prompt, and the walk went on to "desk".
    assert first is not None
    assert first[1] == "desk"
    stop = await submit(gw.client, "/console/accounts/login-all/stop", csrf_from=first[0])
    summary = await follow(gw.client, stop)
    rows = re.findall(r'data-walk-account="(\w+)" data-ok="(\w+)"', summary.text)
    assert rows == [("auto", "yes"), ("desk", "no"), ("spare", "no"), ("brief", "no")]
    assert "Logged in without a prompt." in summary.text


async def test_the_status_page(gw: InProcessGateway) -> None:
    runtime = gw.runtime
    auto = runtime.accounts.get("auto")

    async def unreachable() -> None:
        raise BrokerUnavailable("connection reset by the broker")

    with pytest.raises(BrokerUnavailable):
        await runtime.guard.call(auto, "get_funds", unreachable)
    await runtime.guard.call(auto, "get_funds", auto.adapter.get_funds)

    page = await gw.client.get("/console/status")
    assert page.status_code == 200
    assert 'data-overall="degraded"' in page.text  # desk, spare and brief are not logged in
    assert 'data-refresh-url="/console/status/fragment"' in page.text
    assert '<meta http-equiv="refresh" content="10">' in page.text
    card = page.text.split('data-status-account="auto"', 1)[1].split("</section>", 1)[0]
    assert ">CLOSED<" in card
    assert "get_funds · success" in card
    assert "BROKER_UNAVAILABLE in get_funds" in card
    assert "data-rate-limits" in card
    assert re.search(r"\d+ of \d+", card)  # headroom of a rate window

    fragment = await gw.client.get("/console/status/fragment")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'data-status-account="desk"' in fragment.text
    document = (await gw.client.get("/console/status.json")).json()
    entry = next(a for a in document["accounts"] if a["name"] == "auto")
    assert entry["last_error"]["error_code"] == "BROKER_UNAVAILABLE"
    assert entry["last_call"]["outcome"] == "success"
    assert document["kill_switch"] == {"active": False, "reason": None}
    # The client SDK reads the new field of the status document.
    parsed = GatewayStatus.model_validate(document)
    typed = next(a for a in parsed.accounts if a.name == "auto")
    assert typed.last_error is not None
    assert typed.last_error.error_code == "BROKER_UNAVAILABLE"


def engaged(gw: InProcessGateway) -> bool:
    return gw.runtime.kill_switch_service.state.active


async def resting_order(gw: InProcessGateway, tag: str) -> str:
    adapter = gw.runtime.accounts.get("auto").adapter
    order = OrderRequest.model_validate(
        {
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "order_type": "LIMIT",
            "price": "100.00",
        }
    )
    return str((await adapter.place_order(order, tag)).order_id)


async def test_the_kill_switch_asks_before_engaging_and_shows_each_cancel(
    gw: InProcessGateway, recorder: Recorder
) -> None:
    order_id = await resting_order(gw, "T0000000000000C1")
    kill = "/console/kill-switch"
    page = await gw.client.get(kill)
    assert 'data-kill-switch="released"' in page.text

    empty = await submit(gw.client, f"{kill}/engage", {"reason": "  "}, csrf_from=kill)
    assert empty.status_code == 422
    assert "Give a reason" in empty.text

    fields = {"reason": "strategy misbehaving", "cancel_open_orders": "yes"}
    confirm = await submit(gw.client, f"{kill}/engage", fields, csrf_from=kill)
    assert confirm.status_code == 200
    assert 'data-step="confirm"' in confirm.text
    assert "every open order on every account will be cancelled" in confirm.text
    assert not engaged(gw)

    done = await submit(gw.client, f"{kill}/engage", {**fields, "confirmed": "yes"}, csrf_from=kill)
    assert done.status_code == 200
    assert engaged(gw)
    assert gw.runtime.kill_switch_service.state.actor == "default"
    assert 'data-kill-switch="engaged"' in done.text
    row = re.search(rf'<tr data-cancel-order="{order_id}"[^>]*>(.*?)</tr>', done.text, re.S)
    assert row is not None
    assert "CANCELLED" in row[1]
    assert "alert" not in row[0]
    assert "Kill switch engaged" in done.text  # the banner on every page
    assert "kill_switch.on" in recorder.kinds()

    release = {"reason": "fixed"}
    ask = await submit(gw.client, f"{kill}/release", release, csrf_from=kill)
    assert 'data-step="confirm"' in ask.text
    assert engaged(gw)
    confirmed = {**release, "confirmed": "yes"}
    off = await submit(gw.client, f"{kill}/release", confirmed, csrf_from=kill)
    assert off.status_code == 200
    assert not engaged(gw)
    assert "The kill switch is released." in off.text
    assert "kill_switch.off" in recorder.kinds()


async def test_engaging_without_cancelling_lists_no_cancels(gw: InProcessGateway) -> None:
    kill = "/console/kill-switch"
    fields = {"reason": "drill", "confirmed": "yes"}
    done = await submit(gw.client, f"{kill}/engage", fields, csrf_from=kill)
    assert engaged(gw)
    assert "data-cancels" not in done.text
    again = await submit(gw.client, f"{kill}/release", {"reason": "x"}, csrf_from=kill)
    assert 'data-step="confirm"' in again.text


async def test_an_egress_check_in_the_status_data_is_shown(
    gw: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ordo.api.routes.status import status_document as real

    def with_egress(accounts: Any, sessions: Any) -> dict[str, Any]:
        document = real(accounts, sessions)
        for entry in document["accounts"]:
            if entry["name"] == "desk":
                entry["egress"] = {"ip": "203.0.113.7", "registered": False}
        return document

    monkeypatch.setattr("ordo.console.pages_accounts.status_document", with_egress)
    page = await gw.client.get("/console/accounts")
    desk = page.text.split('data-account="desk"', 1)[1].split("</section>", 1)[0]
    assert "<dd data-egress>ip: 203.0.113.7; registered: False</dd>" in desk
    assert page.text.count("data-egress") == 1
