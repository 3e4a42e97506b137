"""``ordo config check`` and ``ordo serve`` validate the ``openalgo:`` section."""

from __future__ import annotations

from pathlib import Path

from ordo.cli import build_cli
from typer.testing import CliRunner

runner = CliRunner()
GOOD = """
accounts:
  paper: {adapter: mock}
openalgo:
  keys:
    - {apikey: 0123456789abcdef0123, accounts: [paper]}
"""


def test_a_good_section_passes(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text(GOOD)
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 0, result.output


def test_a_bad_section_names_the_field_and_not_the_key(tmp_path: Path) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text(GOOD.replace("accounts: [paper]", "accounts: [Paper]"))
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 2
    assert "openalgo.keys[0].accounts" in result.output
    assert "0123456789abcdef0123" not in result.output
    served = runner.invoke(
        build_cli(), ["serve", "--config", str(config), "--data-dir", str(tmp_path)]
    )
    assert served.exit_code == 2
    assert "openalgo.keys[0].accounts" in served.output
