"""Plugins declare validated config sections and mount routers with their own auth."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from ordo import hookimpl
from ordo.api.app import create_app
from ordo.api.plugin_routes import PluginMount
from ordo.config import ConfigError, demo_settings, load_settings
from ordo.plugins import Plugins, create_plugins
from pydantic import BaseModel, ConfigDict, SecretStr

SECRET = "echo-plugin-secret-value-0123456789"


class EchoSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefix: str = "/echo"
    key: SecretStr


class EchoPlugin:
    """A plugin with a section and a mount authenticated by its own header."""

    @hookimpl
    def register_config_sections(self) -> dict[str, type[BaseModel]]:
        return {"echo": EchoSection}

    @hookimpl
    def register_mounts(self, sections: Mapping[str, BaseModel]) -> list[PluginMount] | None:
        section = sections.get("echo")
        if not isinstance(section, EchoSection):
            return None
        router = APIRouter()

        @router.get("/hello")
        async def hello(x_echo_key: str = Header(default="")) -> JSONResponse:
            if x_echo_key != section.key.get_secret_value():
                return JSONResponse({"ok": False}, status_code=403)
            return JSONResponse({"ok": True})

        return [PluginMount(prefix=section.prefix, router=router, reason="echo's own key")]


def _plugins() -> Plugins:
    return create_plugins(allow=["mock"], extra_plugins=[EchoPlugin()])


def test_a_yaml_mapping_that_is_not_a_setting_is_kept_as_a_section(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("echo:\n  key: abc\nport: 8001\n", encoding="utf-8")
    settings = load_settings(config)
    assert settings.sections == {"echo": {"key": "abc"}}
    assert settings.port == 8001


def test_a_section_no_plugin_declares_is_an_error(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, sections={"ecko": {"key": "x"}})
    with pytest.raises(ConfigError, match=r"^ecko: unknown setting or plugin section .*: echo\)"):
        create_app(settings, plugins=_plugins())


def test_a_bad_field_in_a_section_names_its_path(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, sections={"echo": {"key": "k", "prefx": "/e"}})
    with pytest.raises(ConfigError, match=r"^echo\.prefx: unknown field"):
        create_app(settings, plugins=_plugins())


def test_a_section_name_declared_twice_is_an_error(tmp_path: Path) -> None:
    plugins = create_plugins(load_entrypoints=False, extra_plugins=[EchoPlugin(), EchoPlugin()])
    with pytest.raises(ConfigError, match="declared twice"):
        create_app(demo_settings(tmp_path), plugins=plugins)


async def test_a_mount_has_its_own_auth_and_stays_out_of_the_document(tmp_path: Path) -> None:
    settings = demo_settings(
        tmp_path, api_token="bearer-token-xyz", sections={"echo": {"key": SECRET}}
    )
    app = create_app(settings, plugins=_plugins())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/echo/hello", headers={"X-Echo-Key": SECRET})).json() == {
                "ok": True
            }
            assert (await client.get("/echo/hello")).status_code == 403
            document = (await client.get("/openapi.json")).json()
        assert not any(path.startswith("/echo") for path in document["paths"])
        # The section's SecretStr is redacted by value like Ordo's own secrets.
        assert SECRET in app.state.ordo.emitter.secrets.ordered()


def test_a_section_absent_from_the_file_mounts_nothing(tmp_path: Path) -> None:
    app = create_app(demo_settings(tmp_path), plugins=_plugins())
    assert not any(getattr(r, "path", "").startswith("/echo") for r in app.routes)


@pytest.mark.parametrize(
    ("prefix", "reason", "problem"),
    [
        ("/api/v2", "x", "reserved"),
        ("/metrics", "x", "reserved"),
        ("echo", "x", "must start with '/'"),
        ("/echo/", "x", "must start with '/'"),
        ("/echo", " ", "must state why"),
    ],
)
def test_mounts_refuse_reserved_prefixes_and_unstated_reasons(
    prefix: str, reason: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        PluginMount(prefix=prefix, router=APIRouter(), reason=reason)
