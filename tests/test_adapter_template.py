"""The adapter template generates a package that installs, passes its own tests and Ordo's
compliance suite, and shows up in ``ordo plugins``.

Marked ``ordo_registry``: it builds a fresh virtual environment with uv, which resolves
ordo-core's dependencies from PyPI (the uv cache makes repeat runs quick). Deselect it with
``-m "not ordo_registry"`` when offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter
from ordo_testing.layout import check_adapter_layout

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "adapter-template"
CORE = REPO / "ordo-core"
KIT = REPO / "ordo-testing"
UV = shutil.which("uv")

pytestmark = [
    pytest.mark.ordo_registry,
    pytest.mark.skipif(UV is None, reason="uv is not on PATH"),
]


def _env() -> dict[str, str]:
    """The environment minus whatever ties a child process to this workspace's venv."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "UV_PROJECT")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["COLUMNS"] = "200"
    return env


def _run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_generated_package_installs_passes_and_is_listed(tmp_path: Path) -> None:
    assert UV is not None
    out = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path)))
    assert out.name == "ordo-adapter-toy-broker"
    package = out / "src" / "ordo_adapter_toy_broker"
    problems = check_adapter_layout(package, "ordo_adapter_toy_broker")
    assert problems == [], [str(p) for p in problems]
    assert (out / ".github" / "workflows" / "ci.yml").is_file()
    assert "${{ matrix.python-version }}" in (out / ".github/workflows/ci.yml").read_text()
    pyproject = (out / "pyproject.toml").read_text()
    assert '"toy_broker" = "ordo_adapter_toy_broker"' in pyproject
    assert '"ordo-core>=0.1,<0.2"' in pyproject

    venv = tmp_path / "venv"
    _run([UV, "venv", "--python", sys.executable, str(venv)], cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run(
        [
            UV,
            "pip",
            "install",
            "--python",
            str(python),
            str(CORE),
            str(KIT),
            str(out),
            "--group",
            "dev",
        ],
        cwd=out,
    )

    tests = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=out)
    assert " passed" in tests.stdout
    assert "failed" not in tests.stdout

    ordo = python.parent / ("ordo.exe" if os.name == "nt" else "ordo")
    listed = _run([str(ordo), "plugins", "--json"], cwd=tmp_path)
    plugins = {p["name"]: p for p in json.loads(listed.stdout)}
    assert plugins["toy_broker"]["adapters"] == ["toy_broker"]
    assert plugins["toy_broker"]["load_error"] is None
    assert "order_tags" in plugins["toy_broker"]["capabilities"]["toy_broker"]

    check = _run(
        [
            str(python),
            "-c",
            "import sys; from ordo.cli.adapters import app; "
            "sys.argv = ['ordo-adapters', 'check', 'toy_broker']; app()",
        ],
        cwd=tmp_path,
    )
    assert "every declared capability verified" in check.stdout
