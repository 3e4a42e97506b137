"""The layout check finds each kind of departure, and passes a package that has none."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo_testing.layout import check_adapter_layout

GOOD: dict[str, str] = {
    "__init__.py": "",
    "adapter.py": (
        "from ordo.adapters.base import BrokerAdapter\n"
        "from toy.settings import ToySettings\n"
        "class ToyAdapter(BrokerAdapter[ToySettings]):\n"
        "    declared_rate_limits = ()\n"
    ),
    "client.py": "import httpx\nfrom toy.errors import CODES\n",
    "errors.py": "from ordo.adapters.errors import AuthFailed\nCODES = {'E1': AuthFailed}\n",
    "login.py": "from toy.client import Client\n",
    "instruments.py": "",
    "mapping.py": (
        "from decimal import Decimal\n"
        "def funds_from_broker(row: dict) -> Decimal:\n    return Decimal(row['cash'])\n"
    ),
    "settings.py": (
        "from ordo.adapters.http import HttpSettings\nclass ToySettings(HttpSettings):\n    pass\n"
    ),
    "testing.py": "from ordo_testing.harness import AdapterHarness\nfrom toy.fake import app\n",
    "fake/__init__.py": "from ordo_testing import layout\n",
    "fake/__main__.py": "",
    "py.typed": "",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "toy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "toy"


def _problems(tmp_path: Path, changes: dict[str, str | None] | None = None) -> list[str]:
    files = dict(GOOD)
    for name, text in (changes or {}).items():
        if text is None:
            files.pop(name)
        else:
            files[name] = text
    return [str(p) for p in check_adapter_layout(_write(tmp_path, files), "toy")]


def test_a_package_with_the_shared_layout_passes(tmp_path: Path) -> None:
    assert _problems(tmp_path) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"login.py": None}, "login.py: missing"),
        ({"py.typed": None}, "py.typed: missing"),
        ({"fake/__main__.py": None}, "fake/__main__.py: missing"),
        (
            {"client.py": "from ordo_testing.harness import AdapterHarness\n"},
            "client.py: a runtime module imports the author's kit (ordo_testing.harness)",
        ),
        (
            {"adapter.py": GOOD["adapter.py"] + "from toy.fake import FakeBroker\n"},
            "adapter.py: a runtime module imports test support (toy.fake)",
        ),
        (
            {"login.py": "from .fake.app import create_app\n"},
            "login.py: a runtime module imports test support (toy.fake.app)",
        ),
        (
            {"mapping.py": "import httpx\ndef order_from_broker(r: dict) -> dict:\n  return r\n"},
            "mapping.py: mapping must be pure but imports httpx",
        ),
        ({"mapping.py": "def parse(row: dict) -> dict:\n    return row\n"}, "no *_from_broker"),
        (
            {"mapping.py": "async def funds_from_broker(row: dict) -> dict:\n    return row\n"},
            "no async functions",
        ),
        (
            {"client.py": "from toy.mapping import funds_from_broker\n"},
            "client.py: the client is HTTP only but imports toy.mapping",
        ),
        (
            {"errors.py": "def classify(code: str) -> None:\n    return None\n"},
            "errors.py: no module-level table",
        ),
        (
            {"settings.py": "from ordo import AdapterSettings\nclass S(AdapterSettings): ...\n"},
            "settings.py: the settings model does not derive from HttpSettings",
        ),
        (
            {"adapter.py": "from ordo import BrokerAdapter\nclass A(BrokerAdapter):\n  pass\n"},
            "adapter.py: A must be BrokerAdapter[<Settings>]",
        ),
        (
            {"adapter.py": GOOD["adapter.py"] + "    rate_limits = ()\n"},
            "ToyAdapter sets rate_limits",
        ),
        (
            {"adapter.py": GOOD["adapter.py"] + "setattr(ToyAdapter, 'x', 1)\n"},
            "adapter.py: setattr in the adapter module",
        ),
        (
            {"adapter.py": GOOD["adapter.py"] + "ToyAdapter.__dict__\n"},
            "adapter.py: __dict__ access",
        ),
    ],
)
def test_each_departure_is_reported(
    tmp_path: Path, changes: dict[str, str | None], expected: str
) -> None:
    problems = _problems(tmp_path, changes)
    assert any(expected in problem for problem in problems), problems


def test_a_single_module_fake_is_refused(tmp_path: Path) -> None:
    root = _write(tmp_path, GOOD)
    (root / "fake.py").write_text("")
    problems = [str(p) for p in check_adapter_layout(root, "toy")]
    assert problems == ["fake.py: the fake is a package: fake/__init__.py"]


def test_a_paper_broker_needs_no_http_modules(tmp_path: Path) -> None:
    files = {
        k: v
        for k, v in GOOD.items()
        if k not in ("client.py", "errors.py", "mapping.py") and not k.startswith("fake/")
    }
    files["settings.py"] = "from ordo import AdapterSettings\nclass S(AdapterSettings): ...\n"
    root = _write(tmp_path, files)
    assert check_adapter_layout(root, "toy", talks_http=False) == []
    assert {str(p) for p in check_adapter_layout(root, "toy")} >= {
        "client.py: missing",
        "fake/__init__.py: missing",
        "settings.py: the settings model does not derive from HttpSettings",
    }
