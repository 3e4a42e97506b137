"""Nothing ``ordo serve`` or any ``ordo`` command imports pulls in a test-only package.

A fresh interpreter imports every runtime module of every distribution a user installs
(ordo-core, ordo-client and the adapters; not an adapter's ``testing`` module, the harness
seam only ordo-testing loads, nor its ``fake`` package, the broker fake that drives
ordo-testing's matching engine and comes with the adapter's ``fake`` extra), loads every
CLI command and the plugins, builds the app, and then reports which test-only packages ended
up in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

TEST_ONLY = ("pytest", "_pytest", "pytest_asyncio", "hypothesis", "cookiecutter", "ordo_testing")
RUNTIME_PACKAGES = (
    "ordo",
    "ordo_client",
    "ordo_adapter_mock",
    "ordo_adapter_fyers",
    "ordo_adapter_hdfc",
    "ordo_adapter_mirae",
)

PROBE = """
import importlib, json, pkgutil, sys, tempfile
from pathlib import Path

packages, test_only = json.loads(sys.argv[1])
imported = []


def skipped(name):
    # An adapter's harness seam and its broker fake are what ordo-testing loads, not a server.
    root = name.split(".")[0]
    return root.startswith("ordo_adapter_") and name in (root + ".testing", root + ".fake")


def walk(name):
    package = importlib.import_module(name)
    imported.append(name)
    for info in pkgutil.iter_modules(getattr(package, "__path__", []), prefix=name + "."):
        if skipped(info.name):
            continue
        if info.ispkg:
            walk(info.name)
        else:
            importlib.import_module(info.name)
            imported.append(info.name)


for name in packages:
    walk(name)

from ordo.cli import COMMANDS, build_cli
from ordo.api.app import create_app, plugins_from_settings
from ordo.config import demo_settings

for command, lazy in COMMANDS.items():
    lazy.load(command)
build_cli()
settings = demo_settings(Path(tempfile.mkdtemp()))
create_app(settings, plugins=plugins_from_settings(settings))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in test_only)
print(json.dumps({"imported": imported, "test_only": loaded}))
"""


def test_no_runtime_module_imports_a_test_only_package() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([RUNTIME_PACKAGES, TEST_ONLY])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["test_only"] == []
    imported = set(report["imported"])
    # The walk really covered the gateway, the CLI and every adapter.
    assert {"ordo.api.app", "ordo.cli.serve_cmd", "ordo.cli.adapters", "ordo.runtime"} <= imported
    assert {"ordo_adapter_fyers.adapter", "ordo_adapter_mock.adapter"} <= imported


def test_the_probe_sees_a_test_only_import() -> None:
    """The probe's check can fail: an adapter's harness module does import ordo-testing."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ordo_adapter_mock.testing; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[1:]))",
            *TEST_ONLY,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ordo_testing" in done.stdout
