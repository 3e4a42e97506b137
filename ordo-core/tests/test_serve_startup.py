"""``ordo serve`` start-up: the generated API token survives a restart, the CLI's export lines,
and every start-up problem as one line and exit status 2 (never a traceback)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import stat
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest
from ordo import extras
from ordo.cli import build_cli, serve_cmd
from ordo.config import Settings
from ordo.plugins import Plugins
from typer.testing import CliRunner, Result


class Captured:
    def __init__(self) -> None:
        self.settings: list[Settings] = []

    def __call__(self, settings: Settings, plugins: Plugins) -> None:
        self.settings.append(settings)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None) -> Captured:
    """Stands in for uvicorn: records the settings ``ordo serve`` would run with."""
    capture = Captured()
    monkeypatch.setattr(serve_cmd, "run_server", capture)
    return capture


def serve(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(build_cli(), ["serve", *args], env=env)


def assert_one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for needle in needles:
        assert needle in lines[0]


def test_the_demo_token_survives_a_restart(tmp_path: Path, captured: Captured) -> None:
    first = serve("--demo", "--data-dir", str(tmp_path), "--port", "8123")
    second = serve("--demo", "--data-dir", str(tmp_path), "--port", "8123")
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    tokens = [s.api_token.get_secret_value() for s in captured.settings if s.api_token]
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    stored = tmp_path / serve_cmd.TOKEN_FILE
    assert stored.read_text(encoding="utf-8").strip() == tokens[0]
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert "export ORDO_URL=http://127.0.0.1:8123\n" in second.output
    assert f"export ORDO_TOKEN={tokens[0]}\n" in second.output


def test_a_configured_token_is_used_and_nothing_is_stored(
    tmp_path: Path, captured: Captured
) -> None:
    result = serve("--demo", "--data-dir", str(tmp_path), env={"ORDO_API_TOKEN": "chosen-token"})
    assert result.exit_code == 0, result.output
    (settings,) = captured.settings
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "chosen-token"
    assert not (tmp_path / serve_cmd.TOKEN_FILE).exists()
    assert "chosen-token" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "module", "extra"),
    [
        ("ORDO_DATABASE_URL", "postgresql+asyncpg://ordo@127.0.0.1/ordo", "asyncpg", "postgres"),
        ("ORDO_REDIS_URL", "redis://127.0.0.1:6379/0", "redis", "redis"),
    ],
)
def test_a_missing_driver_names_the_extra(
    tmp_path: Path,
    captured: Captured,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    module: str,
    extra: str,
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str) -> ModuleSpec | None:
        return None if name == module else real_find_spec(name)

    monkeypatch.setattr(extras, "find_spec", find_spec)
    result = serve("--demo", "--data-dir", str(tmp_path), env={variable: value})
    assert_one_line_error(result, variable, f"pip install 'ordo-core[{extra}]'")
    assert captured.settings == []


def test_an_unknown_adapter_names_the_package(tmp_path: Path, captured: Captured) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("accounts:\n  desk:\n    adapter: zerodha\n", encoding="utf-8")
    result = serve("--config", str(config), "--data-dir", str(tmp_path / "data"))
    assert_one_line_error(result, "accounts.desk.adapter", "install ordo-adapter-zerodha")
    assert captured.settings == []


def test_a_data_dir_that_cannot_be_created(tmp_path: Path, captured: Captured) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = serve("--demo", "--data-dir", str(blocker / "data"))
    assert_one_line_error(result, "data directory", "cannot be created")
    assert captured.settings == []


def test_a_data_dir_that_is_not_writable(
    tmp_path: Path, captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root may write anywhere, so the permission answer is what is simulated here.
    monkeypatch.setattr(serve_cmd, "writable", lambda directory: False)
    result = serve("--demo", "--data-dir", str(tmp_path))
    assert_one_line_error(result, f"data directory {tmp_path} is not writable")
    assert captured.settings == []


class BrokenEntryPoint:
    name = "broken"
    value = "ordo_broken_plugin"
    dist = None

    def load(self) -> object:
        raise ImportError("No module named 'ordo_broken_plugin'")


@pytest.fixture
def broken_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.entry_points

    def with_broken(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        return [*found, BrokenEntryPoint()] if kwargs.get("group") == "ordo" else found

    monkeypatch.setattr(importlib.metadata, "entry_points", with_broken)


def test_plugins_names_a_broken_plugin_and_exits_non_zero(broken_plugin: None) -> None:
    result = CliRunner().invoke(build_cli(), ["plugins", "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "plugin broken failed to load: ImportError: No module named 'ordo_broken_plugin'" in (
        result.output
    )
    listed = json.loads(result.stdout)
    assert {p["name"] for p in listed} >= {"mock", "broken"}


def test_serve_names_the_broken_plugin_an_account_needs(
    tmp_path: Path, captured: Captured, broken_plugin: None
) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("accounts:\n  desk:\n    adapter: broken\n", encoding="utf-8")
    result = serve("--config", str(config), "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 2, result.output
    assert lines[0] == (
        "plugin broken failed to load: ImportError: No module named 'ordo_broken_plugin'"
    )
    assert lines[1].startswith(
        "invalid configuration: accounts.desk.adapter: unknown adapter 'broken' (installed: "
    )
    assert lines[1].endswith("); install ordo-adapter-broken to provide it")
    assert captured.settings == []
