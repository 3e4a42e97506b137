"""Routes from ``register_routes`` are behind the bearer token and answer errors in the
envelope unless marked public; ``ordo plugins`` honours the plugin environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import APIRouter
from ordo import hookimpl
from ordo.api.plugin_routes import public
from ordo.cli import build_cli
from ordo.config import load_settings
from ordo.orchestrator.errors import OrdoError
from ordo.plugins import create_plugins
from ordo_testing.server import gateway_in_process
from typer.testing import CliRunner

from .conftest import TOKEN


class RoutesPlugin:
    @hookimpl
    def register_routes(self) -> list[APIRouter]:
        private = APIRouter()
        open_router = APIRouter()

        @private.get("/extra/ping")
        async def ping() -> dict[str, str]:
            return {"pong": "yes"}

        @private.get("/extra/fail")
        async def fail() -> dict[str, str]:
            raise OrdoError("EXTRA_REFUSED", "the plugin refused", http_status=409)

        @open_router.get("/extra/callback")
        async def callback() -> dict[str, str]:
            return {"called": "back"}

        return [private, public(open_router)]


async def test_plugin_routes_need_the_token_unless_public(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=tmp_path, api_token=TOKEN)
    plugins = create_plugins(extra_plugins=[RoutesPlugin()])
    async with gateway_in_process(settings, plugins=plugins) as gw:
        anonymous = await gw.client.get("/api/v1/extra/ping")
        assert anonymous.status_code == 401
        assert anonymous.json()["error_code"] == "UNAUTHORIZED"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        ping = await gw.client.get("/api/v1/extra/ping", headers=auth)
        assert ping.json() == {"pong": "yes"}
        failed = await gw.client.get("/api/v1/extra/fail", headers=auth)
        assert failed.status_code == 409
        assert failed.json()["status"] == "error"
        assert failed.json()["error_code"] == "EXTRA_REFUSED"
        assert failed.json()["request_id"] == failed.headers["x-request-id"]
        callback = await gw.client.get("/api/v1/extra/callback")
        assert callback.status_code == 200
        assert callback.json() == {"called": "back"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ORDO_LOAD_PLUGINS", "mock"), ("ORDO_DISABLED_ADAPTERS", "fyers,hdfc,mirae")],
)
def test_ordo_plugins_honours_the_plugin_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    every = CliRunner().invoke(build_cli(), ["plugins", "--json"], env={variable: None})
    assert every.exit_code == 0, every.output
    names = {p["name"] for p in json.loads(every.stdout)}
    assert {"mock", "fyers", "hdfc", "mirae"} <= names
    limited = CliRunner().invoke(build_cli(), ["plugins", "--json"], env={variable: value})
    assert limited.exit_code == 0, limited.output
    shown = {p["name"] for p in json.loads(limited.stdout)}
    assert "mock" in shown
    assert not shown & {"fyers", "hdfc", "mirae"}
