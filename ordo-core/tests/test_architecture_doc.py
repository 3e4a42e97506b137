"""docs/architecture.md stays true: every file it names exists, every module of the order
path is named, the error table matches the taxonomy, and the boundaries it describes hold
(routes import nothing from persistence, the orchestrator imports no table classes)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ordo import errors

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
SOURCE = ROOT / "ordo-core" / "src" / "ordo"
NAMED = re.compile(r"`(ordo-core/[\w/.-]+\.py)`")
ROW = re.compile(r"^\| `(\w+)` \| (.+?) \| (\d+|its own) \| (yes|no)[^|]* \| (yes|no) \| (\w+) \|$")


def named_files() -> set[str]:
    return set(NAMED.findall(DOC.read_text(encoding="utf-8")))


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_file_named_exists() -> None:
    names = named_files()
    assert len(names) > 20
    missing = sorted(name for name in names if not (ROOT / name).is_file())
    assert missing == []


def test_every_module_of_the_order_path_is_named() -> None:
    names = named_files()
    order_path = [
        *sorted(SOURCE.glob("orchestrator/*.py")),
        SOURCE / "api" / "routes" / "orders.py",
        SOURCE / "errors.py",
        SOURCE / "persistence" / "statements.py",
    ]
    unnamed = [
        str(path.relative_to(ROOT))
        for path in order_path
        if path.name not in ("__init__.py", "errors.py") or path.parent == SOURCE
        if str(path.relative_to(ROOT)) not in names
    ]
    # Helpers of the order path that are not steps of it.
    assert sorted(unnamed) == [
        "ordo-core/src/ordo/orchestrator/accounts.py",
        "ordo-core/src/ordo/orchestrator/instruments.py",
        "ordo-core/src/ordo/orchestrator/lookup.py",
        "ordo-core/src/ordo/orchestrator/reads.py",
    ]


def test_the_error_table_matches_the_taxonomy() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match[1]] = match
    assert set(rows) == {cls.__name__ for cls in errors.TAXONOMY}
    for cls in errors.TAXONOMY:
        row = rows[cls.__name__]
        if row[3] != "its own":
            assert int(row[3]) == cls.http_status, cls
        if not row[2].startswith(("its own", "the check's code")):
            assert f"`{cls.code}`" in row[2], cls
        assert (row[4] == "yes") is cls.retryable, cls
        assert (row[5] == "yes") is cls.counts_against_breaker, cls
        assert row[6] == cls.effect.value, cls


def test_routes_import_nothing_from_persistence() -> None:
    for path in (SOURCE / "api" / "routes").glob("*.py"):
        assert not [m for m in imports_of(path) if m.startswith("ordo.persistence")], path


def test_the_orchestrator_imports_no_table_classes() -> None:
    for path in (SOURCE / "orchestrator").glob("*.py"):
        assert not [m for m in imports_of(path) if m.startswith("ordo.persistence.tables")], path


def test_files_stay_small() -> None:
    large = [
        str(p.relative_to(ROOT))
        for p in [*SOURCE.glob("orchestrator/*.py"), SOURCE / "errors.py", SOURCE / "runtime.py"]
        if len(p.read_text(encoding="utf-8").splitlines()) > 400
    ]
    assert large == []
