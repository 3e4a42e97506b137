"""The CLI answers at once: ``ordo --help`` and ``ordo --version`` import no gateway module,
each command loads its own module only when used, and boolean options render as flags."""

from __future__ import annotations

import importlib.metadata
import json
import socket
import subprocess
import sys
from typing import Any

import pytest
import typer
from ordo import plugins as plugins_module
from ordo.cli import COMMANDS, build_cli
from ordo.healthcheck import check, health_url
from ordo.hookspecs import hookimpl
from typer.testing import CliRunner

HEAVY = ("sqlalchemy", "sqlmodel", "fastapi", "uvicorn", "httpx", "pydantic", "ordo.api")

PROBE = """
import json, sys
from ordo.cli import build_cli
try:
    build_cli()(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = json.loads(sys.stdin.read())
loaded = sorted({m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")})
sys.stderr.write(json.dumps({"code": code, "loaded": loaded}))
"""


def probe(*args: str) -> tuple[str, dict[str, object]]:
    """Run ``ordo ARGS`` in a fresh interpreter: its stdout, and its exit code and the heavy
    modules it had imported (``{"code": int, "loaded": [str]}``)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report: dict[str, object] = json.loads(done.stderr.splitlines()[-1])
    return done.stdout, report


def test_help_lists_every_command_without_importing_the_gateway() -> None:
    output, report = probe("--help")
    assert report == {"code": 0, "loaded": []}
    for name in COMMANDS:
        assert f"  {name} " in output


def test_version_prints_the_installed_distribution_version() -> None:
    output, report = probe("--version")
    assert report == {"code": 0, "loaded": []}
    assert output.strip() == f"ordo {importlib.metadata.version('ordo-core')}"


def test_a_command_loads_only_when_used() -> None:
    _, report = probe("serve", "--help")
    assert report["code"] == 0
    loaded = report["loaded"]
    assert isinstance(loaded, list)
    assert "sqlalchemy" not in loaded
    assert "fastapi" not in loaded


def test_boolean_options_render_as_flags() -> None:
    result = CliRunner().invoke(build_cli(), ["serve", "--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert lines["--demo"].split()[1] == "Run"
    assert lines["--behind-proxy"].split()[1] == "A"
    plugins = CliRunner().invoke(build_cli(), ["plugins", "--help"]).output
    assert "<bool>" not in plugins
    assert "--json" in plugins


def test_every_command_has_help_of_its_own() -> None:
    for name in COMMANDS:
        result = CliRunner().invoke(build_cli(), [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert f"Usage: ordo {name} " in result.output
        assert "<bool>" not in result.output, name


class HelloCommand:
    """A plugin adding ``ordo hello``."""

    @hookimpl
    def register_commands(self, cli: typer.Typer) -> None:
        @cli.command("hello")
        def hello(name: str = typer.Option("world", help="Whom to greet.")) -> None:
            """Say hello."""
            typer.echo(f"hello {name}")


def test_a_plugin_command_runs_and_unknown_commands_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = plugins_module.create_plugins

    def with_hello(**kwargs: Any) -> plugins_module.Plugins:
        return real(**kwargs, extra_plugins=[HelloCommand()])

    monkeypatch.setattr(plugins_module, "create_plugins", with_hello)
    ran = CliRunner().invoke(build_cli(), ["hello", "--name", "desk"])
    assert ran.exit_code == 0, ran.output
    assert ran.output == "hello desk\n"
    unknown = CliRunner().invoke(build_cli(), ["nosuch"])
    assert unknown.exit_code == 2
    assert "No such command 'nosuch'" in unknown.output


def test_the_healthcheck_reads_the_servers_address() -> None:
    assert health_url({}) == "http://127.0.0.1:8000/health"
    assert health_url({"ORDO_PORT": "9000", "ORDO_CERTFILE": "/tls/cert.pem"}) == (
        "https://127.0.0.1:9000/health"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        problem = check(f"http://127.0.0.1:{port}/health", timeout=2)
    assert problem is not None
    assert problem.startswith(f"http://127.0.0.1:{port}/health: ")
