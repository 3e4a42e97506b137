"""The console's door: off unless enabled, sign-in with an API token, the session cookie's
flags and expiry, CSRF on every form, sign-out, and no token in the audit trail."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo import hookimpl
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.plugins import create_plugins
from ordo_testing.console import csrf_of, follow, sign_in, submit
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "console-access-token-5b1d93"


class Recorder:
    __name__ = "console_audit_recorder"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def dumped(self) -> str:
        return "\n".join(e.model_dump_json() for e in self.events)


def settings_for(tmp_path: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "api_token": TOKEN,
        "accounts": {"paper": AccountConfig(adapter="mock")},
        "console": {"enabled": True},
    }
    values.update(overrides)
    return load_settings(None, **values)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def gw(tmp_path: Path, recorder: Recorder) -> AsyncIterator[InProcessGateway]:
    plugins = create_plugins(allow="mock", extra_plugins=[recorder])
    async with gateway_in_process(settings_for(tmp_path), plugins=plugins) as gateway:
        yield gateway


def set_cookie(response: httpx.Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


async def test_the_console_is_off_by_default(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, console={})
    assert settings.console.enabled is False
    async with gateway_in_process(settings, plugins=create_plugins(allow="mock")) as gw:
        for path in ("/console", "/console/", "/console/signin", "/console/static/console.css"):
            response = await gw.client.get(path)
            assert response.status_code == 404, path
            assert response.json()["error_code"] == "NOT_FOUND"


async def test_the_environment_turns_it_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDO_CONSOLE__ENABLED", "true")
    settings = load_settings(None, data_dir=tmp_path, api_token=TOKEN)
    assert settings.console.enabled is True
    async with gateway_in_process(settings, plugins=create_plugins(allow="mock")) as gw:
        page = await gw.client.get("/console/signin")
        assert page.status_code == 200
        assert "API token" in page.text
        assert page.headers["content-type"].startswith("text/html")


async def test_the_yaml_file_turns_it_on(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("console:\n  enabled: true\n  session_minutes: 30\n", encoding="utf-8")
    settings = load_settings(config, data_dir=tmp_path, api_token=TOKEN)
    assert settings.console.enabled is True
    assert settings.console.session_minutes == 30


def test_a_gateway_without_the_console_loads_neither_it_nor_jinja2(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from ordo.api.app import create_app\n"
        "from ordo.config import load_settings\n"
        f"create_app(load_settings(None, data_dir={str(tmp_path)!r}))\n"
        "print(json.dumps([m for m in ('jinja2', 'ordo.console') if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


async def test_console_routes_stay_out_of_the_openapi_document(gw: InProcessGateway) -> None:
    paths = (await gw.client.get("/openapi.json")).json()["paths"]
    assert [p for p in paths if p.startswith("/console")] == []


async def test_pages_need_a_sign_in(gw: InProcessGateway) -> None:
    for path in ("/console/accounts", "/console/status", "/console/kill-switch"):
        response = await gw.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/signin?next=")
    fragment = await gw.client.get("/console/status/fragment")
    assert fragment.status_code == 401


async def test_signing_in_sets_a_strict_http_only_expiring_cookie(
    gw: InProcessGateway, recorder: Recorder
) -> None:
    response = await sign_in(gw.client, TOKEN)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/accounts"
    cookie = set_cookie(response, "ordo_console")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert "Max-Age=43200" in cookie
    assert "expires=" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback: a Secure cookie would be dropped
    page = await gw.client.get("/console/accounts")
    assert page.status_code == 200
    assert "paper" in page.text
    signin = [e for e in recorder.events if e.kind == "console.signin"]
    assert [e.actor for e in signin] == ["default"]
    assert TOKEN not in recorder.dumped()


async def test_the_cookie_is_secure_under_tls(tmp_path: Path) -> None:
    async with gateway_in_process(
        settings_for(tmp_path), plugins=create_plugins(allow="mock")
    ) as gw:
        gw.client.base_url = httpx.URL("https://ordo.test")
        response = await sign_in(gw.client, TOKEN)
        assert response.status_code == 303
        cookie = set_cookie(response, "ordo_console")
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie


@pytest.mark.parametrize("tls", ["behind_proxy", "certfile"])
async def test_behind_a_tls_proxy_or_with_ordos_own_tls_the_cookies_are_secure(
    tmp_path: Path, tls: str
) -> None:
    option: dict[str, Any] = (
        {"behind_proxy": True}
        if tls == "behind_proxy"
        else {"certfile": tmp_path / "cert.pem", "keyfile": tmp_path / "key.pem"}
    )
    settings = settings_for(tmp_path, **option)
    async with gateway_in_process(settings, plugins=create_plugins(allow="mock")) as gw:
        # A proxy speaks plain HTTP to Ordo while the browser speaks TLS to the proxy.
        page = await gw.client.get("/console/signin")
        assert "Secure" in set_cookie(page, "ordo_console_signin")


async def test_a_wrong_token_is_refused_with_a_message_and_never_recorded(
    gw: InProcessGateway, recorder: Recorder
) -> None:
    wrong = "not-the-token-7c1e55aa"
    response = await sign_in(gw.client, wrong)
    assert response.status_code == 401
    assert "That API token is not valid" in response.text
    assert "Traceback" not in response.text
    assert not [h for h in response.headers.get_list("set-cookie") if "ordo_console=" in h]
    assert (await gw.client.get("/console/accounts")).status_code == 303
    assert [e.kind for e in recorder.events if e.kind.startswith("console.")] == [
        "console.signin_failed"
    ]
    assert wrong not in recorder.dumped()
    assert TOKEN not in recorder.dumped()


async def test_an_expired_session_asks_to_sign_in_again(gw: InProcessGateway) -> None:
    await sign_in(gw.client, TOKEN)
    assert (await gw.client.get("/console/status")).status_code == 200
    store = gw.app.state.console.sessions
    real = store.clock
    store.clock = lambda: real() + timedelta(minutes=721)
    response = await gw.client.get("/console/status")
    assert response.status_code == 303
    assert "reason=expired" in response.headers["location"]
    page = await follow(gw.client, response)
    assert "Your console session expired" in page.text


async def test_a_form_without_its_csrf_token_changes_nothing(gw: InProcessGateway) -> None:
    await sign_in(gw.client, TOKEN)
    for fields in ({}, {"csrf_token": "forged"}):
        response = await gw.client.post(
            "/console/kill-switch/engage", data={**fields, "reason": "x", "confirmed": "yes"}
        )
        assert response.status_code == 403
        assert "This form could not be verified" in response.text
        assert "nothing was changed" in response.text
        assert "Traceback" not in response.text
    assert not gw.runtime.kill_switch_service.state.active


async def test_a_token_of_another_session_is_refused(gw: InProcessGateway, tmp_path: Path) -> None:
    await sign_in(gw.client, TOKEN)
    other = httpx.AsyncClient(transport=gw.client._transport, base_url="http://ordo.test")
    async with other:
        await sign_in(other, TOKEN)
        theirs = csrf_of((await other.get("/console/kill-switch")).text)
    response = await gw.client.post(
        "/console/kill-switch/engage",
        data={"csrf_token": theirs, "reason": "x", "confirmed": "yes"},
    )
    assert response.status_code == 403
    assert not gw.runtime.kill_switch_service.state.active


async def test_the_sign_in_form_has_its_own_csrf_check(gw: InProcessGateway) -> None:
    response = await gw.client.post("/console/signin", data={"token": TOKEN})
    assert response.status_code == 403
    assert not [h for h in response.headers.get_list("set-cookie") if "ordo_console=" in h]


async def test_a_form_in_another_media_type_is_refused(gw: InProcessGateway) -> None:
    await sign_in(gw.client, TOKEN)
    response = await gw.client.post("/console/kill-switch/engage", json={"reason": "x"})
    assert response.status_code == 415
    assert "only its own HTML forms" in response.text


async def test_signing_out_ends_the_session(gw: InProcessGateway, recorder: Recorder) -> None:
    await sign_in(gw.client, TOKEN)
    cookie = gw.client.cookies.get("ordo_console")
    response = await submit(gw.client, "/console/signout")
    assert response.status_code == 303
    assert "ordo_console=" in response.headers["set-cookie"]
    page = await follow(gw.client, response)
    assert "You are signed out" in page.text
    # The old cookie is worthless even if a copy was kept.
    gw.client.cookies.set("ordo_console", str(cookie), path="/console")
    assert (await gw.client.get("/console/accounts")).status_code == 303
    assert "console.signout" in [e.kind for e in recorder.events]


async def test_pages_carry_security_headers(gw: InProcessGateway) -> None:
    page = await gw.client.get("/console/signin")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


async def test_an_unknown_page_is_an_html_404(gw: InProcessGateway) -> None:
    response = await gw.client.get("/console/nowhere")
    assert response.status_code == 404
    assert "There is no console page at this address" in response.text


async def test_a_next_address_off_the_console_is_ignored(gw: InProcessGateway) -> None:
    page = await gw.client.get("/console/signin?next=https://evil.example/")
    response = await gw.client.post(
        "/console/signin",
        data={"csrf_token": csrf_of(page.text), "token": TOKEN, "next": "//evil.example/"},
    )
    assert response.headers["location"] == "/console/accounts"


async def test_the_sign_in_page_sends_a_signed_in_browser_on(gw: InProcessGateway) -> None:
    await sign_in(gw.client, TOKEN)
    response = await gw.client.get("/console/signin?next=/console/status")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/status"


async def test_stylesheet_and_script_reads_stay_out_of_the_audit(
    gw: InProcessGateway, recorder: Recorder
) -> None:
    for asset in ("/console/static/console.css", "/console/static/console.js"):
        response = await gw.client.get(asset)
        assert response.status_code == 200, asset
    page = await gw.client.get("/console/signin")
    assert page.status_code == 200
    paths = [e.payload.get("path") for e in recorder.events if e.kind.startswith("api.")]
    assert "/console/signin" in paths
    assert not [p for p in paths if str(p).startswith("/console/static/")]
