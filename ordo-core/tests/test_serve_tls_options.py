"""``ordo serve`` refuses half-given TLS options instead of silently serving plain HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ordo.api.app import plugins_from_settings
from ordo.cli import build_cli
from ordo.cli.serve_cmd import server_config, tls_problem, transport_problem
from ordo.config import load_settings
from typer.testing import CliRunner

pytestmark = pytest.mark.usefixtures("clean_ordo_env")
TOKEN = "serve-tls-token-0123456789"


def pems(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / f"{name}.pem" for name in ("cert", "key", "ca")}
    for path in paths.values():
        path.write_text("placeholder")
    return paths


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"ca_certs": "ca"}, "--ca-certs (ORDO_CA_CERTS) requires --certfile and --keyfile"),
        ({"certfile": "cert"}, "--certfile needs --keyfile"),
        ({"keyfile": "key"}, "--keyfile needs --certfile"),
        ({"ca_certs": "ca", "certfile": "cert"}, "--certfile needs --keyfile"),
    ],
)
def test_half_given_tls_is_a_problem_even_on_loopback(
    tmp_path: Path, given: dict[str, str], expected: str
) -> None:
    files = pems(tmp_path)
    values: dict[str, Any] = {k: files[v] for k, v in given.items()}
    settings = load_settings(None, data_dir=tmp_path, api_token=TOKEN, **values)
    assert settings.host == "127.0.0.1"
    problem = tls_problem(settings)
    assert problem is not None
    assert expected in problem
    assert transport_problem(settings) == problem
    with pytest.raises(ValueError, match=r"needs|requires"):
        server_config(settings, plugins_from_settings(settings))


def test_whole_tls_options_are_no_problem(tmp_path: Path) -> None:
    files = pems(tmp_path)
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        certfile=files["cert"],
        keyfile=files["key"],
        ca_certs=files["ca"],
    )
    assert tls_problem(settings) is None


def test_serve_with_ca_certs_alone_exits_2(tmp_path: Path) -> None:
    files = pems(tmp_path)
    result = CliRunner().invoke(
        build_cli(),
        ["serve", "--data-dir", str(tmp_path), "--ca-certs", str(files["ca"])],
        env={"ORDO_API_TOKEN": TOKEN},
    )
    assert result.exit_code == 2
    assert "requires --certfile and --keyfile" in " ".join(result.output.split())
