"""``ordo serve`` refusals, ``ordo config check`` and ``ordo plugins``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ordo.cli import build_cli
from typer.testing import CliRunner

runner = CliRunner()


def test_plugins_json_lists_mock() -> None:
    result = runner.invoke(build_cli(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    names = {p["name"]: p for p in json.loads(result.output)}
    assert names["mock"]["adapters"] == ["mock"]


def test_plugins_table() -> None:
    result = runner.invoke(build_cli(), ["plugins"])
    assert result.exit_code == 0
    assert "mock" in result.output


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("accounts:\n  paper:\n    adapter: mock\n    settings: {seed: 3}\n")
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 0, result.output
    assert "paper" in result.output


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("accounts:\n  paper:\n    settings: {}\n", "accounts.paper.adapter"),
        ("accounts:\n  paper:\n    adapter: nosuch\n", "accounts.paper.adapter"),
        ("accounts:\n  paper:\n    adapter: mock\n    settings: {seeed: 1}\n", "seeed"),
        ("port: many\n", "port"),
        # A mapping no plugin declares as its section is as wrong as an unknown setting.
        ("limitz:\n  max_order_quantity: 5\n", "limitz: unknown setting or plugin section"),
    ],
)
def test_config_check_names_the_bad_field(tmp_path: Path, yaml_text: str, field: str) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text(yaml_text)
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 2
    assert field in result.output


def test_serve_refuses_plain_http_on_a_public_address(tmp_path: Path) -> None:
    result = runner.invoke(
        build_cli(), ["serve", "--demo", "--host", "0.0.0.0", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--behind-proxy" in result.output
    assert "--certfile" in result.output


def test_several_problems_are_headed_once(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text("port: many\naccounts:\n  paper:\n    settings: {}\n")
    for command in (["config", "check", str(config)], ["serve", "--config", str(config)]):
        result = runner.invoke(build_cli(), command)
        assert result.exit_code == 2, result.output
        flat = " ".join(result.output.split())
        assert flat.count("invalid configuration") == 1, flat
        assert "port" in flat
        assert "accounts.paper.adapter" in flat
