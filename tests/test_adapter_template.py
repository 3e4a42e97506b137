"""The adapter template generates a package that installs, passes its own tests and Ordo's
compliance suite, and shows up in ``ordo plugins``.

Marked ``ordo_registry``: it builds a fresh virtual environment with uv, which resolves
ordo-core's dependencies from PyPI (the uv cache makes repeat runs quick). Deselect it with
``-m "not ordo_registry"`` when offline.

uv is the one ``make`` uses (``ORDO_UV``, exported by the Makefile, which bootstraps it into
``.tools/`` when none is on PATH), else uv on PATH, else ``.tools/bin/uv``. Without any, the
test skips locally and fails under ``CI=true``.
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
# Packages that are not on a package index yet: installed from this checkout.
LOCAL = [REPO / "ordo-client", CORE, REPO / "ordo-testing"]


def find_uv() -> str | None:
    for candidate in (os.environ.get("ORDO_UV"), shutil.which("uv"), REPO / ".tools/bin/uv"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


UV = find_uv()
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = [
    pytest.mark.ordo_registry,
    pytest.mark.skipif(
        UV is None and not IN_CI, reason="no uv: set ORDO_UV, put uv on PATH or run make"
    ),
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
    assert UV is not None, "CI=true needs uv: ORDO_UV, PATH or .tools/bin/uv"
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
    assert '"ordo-testing>=0.1,<0.2"' in pyproject.split("[dependency-groups]")[1]
    assert "ordo-testing" not in pyproject.split("[dependency-groups]")[0]
    assert "ordo_live_guard = true" in pyproject
    assert (out / "LICENSE").read_text() == (REPO / "LICENSE").read_text()

    venv = tmp_path / "venv"
    _run([UV, "venv", "--python", sys.executable, str(venv)], cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = [UV, "pip", "install", "--python", str(python), *map(str, LOCAL), str(out)]
    _run([*install, "--group", "dev"], cwd=out)

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
