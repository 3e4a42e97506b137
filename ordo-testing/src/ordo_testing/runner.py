"""Run the compliance suite for an installed adapter in-process and collate a capability
matrix: what the adapter declares against what the suite verified.

``ordo adapters check ID`` prints the matrix; ``run_compliance`` is the programmatic entry.
The suite runs through ``pytest.main`` on a generated module in a temporary directory, so it
sees exactly what an adapter package's own test run sees, including the live-broker guard.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability

from ordo_testing.harness import load_harness

AREA_SUITES: dict[str, str] = {
    "contract": "ContractSuite",
    "session": "SessionSuite",
    "portfolio": "PortfolioSuite",
    "quotes": "QuotesSuite",
    "instruments": "InstrumentsSuite",
    "orders": "OrdersSuite",
    "errors": "ErrorsSuite",
    "tags": "TagsSuite",
}
"""Area name -> suite class name in ``ordo_testing.compliance``."""

MATRIX_AREAS = ("contract", "session", "errors")
"""Matrix rows that are suite areas rather than capabilities; always required."""

_MARKER = "ordo_capability"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNTESTED = "untested"


@dataclass
class CaseOutcome:
    nodeid: str
    outcome: Verdict
    message: str = ""


@dataclass
class MatrixRow:
    """One capability (or area) of the matrix."""

    name: str
    required: bool
    declared: bool
    tests: list[CaseOutcome] = field(default_factory=list)

    @property
    def verified(self) -> Verdict:
        outcomes = {t.outcome for t in self.tests}
        if Verdict.FAILED in outcomes:
            return Verdict.FAILED
        if Verdict.PASSED in outcomes:
            return Verdict.PASSED
        if Verdict.SKIPPED in outcomes:
            return Verdict.SKIPPED
        return Verdict.UNTESTED

    @property
    def ok(self) -> bool:
        """False when a declared or required capability failed, or a required one is
        not declared."""
        if self.required and not self.declared:
            return False
        return not ((self.declared or self.required) and self.verified is Verdict.FAILED)


@dataclass
class ComplianceReport:
    adapter_id: str
    adapter_cls: type[BrokerAdapter]
    rows: list[MatrixRow]
    pytest_exit: int
    errors: list[str] = field(default_factory=list)
    """Collection or internal errors: the suite could not run (part of) itself."""

    @property
    def failures(self) -> list[CaseOutcome]:
        seen: dict[str, CaseOutcome] = {}
        for row in self.rows:
            for t in row.tests:
                if t.outcome is Verdict.FAILED:
                    seen.setdefault(t.nodeid, t)
        return list(seen.values())

    @property
    def ok(self) -> bool:
        ran = self.pytest_exit in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        return ran and not self.errors and all(row.ok for row in self.rows)


class _Collector:
    """A pytest plugin object recording each test's capabilities and outcome."""

    def __init__(self) -> None:
        self.marks: dict[str, list[str]] = {}
        self.outcomes: dict[str, CaseOutcome] = {}
        self.errors: list[str] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.marks[item.nodeid] = [str(m.args[0]) for m in item.iter_markers(_MARKER)]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid or 'collection'}: {report.longreprtext}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        current = self.outcomes.get(report.nodeid)
        if report.failed:
            if current is None or current.outcome is not Verdict.FAILED:
                self.outcomes[report.nodeid] = CaseOutcome(
                    report.nodeid, Verdict.FAILED, _short(report)
                )
        elif report.skipped and current is None:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            self.outcomes[report.nodeid] = CaseOutcome(report.nodeid, Verdict.SKIPPED, reason)
        elif report.when == "call" and report.passed and current is None:
            self.outcomes[report.nodeid] = CaseOutcome(report.nodeid, Verdict.PASSED)


def _short(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    text = message if isinstance(message, str) else report.longreprtext
    return text.strip().splitlines()[0] if text.strip() else "failed"


def suite_module_source(adapter_id: str, areas: Sequence[str]) -> str:
    """The test module ``run_compliance`` generates: one class per area."""
    names = [AREA_SUITES[a] for a in areas]
    lines = [
        f'"""Compliance suite for adapter {adapter_id!r}, generated by ordo adapters check."""',
        "from ordo_testing.compliance import AdapterFixtures, " + ", ".join(names),
        "from ordo_testing.harness import load_harness",
        "",
        "",
        "class _Fixtures(AdapterFixtures):",
        f"    harness_cls = load_harness({adapter_id!r})",
    ]
    for area, name in zip(areas, names, strict=True):
        lines += ["", "", f"class Test{area.capitalize()}(_Fixtures, {name}):", "    pass"]
    return "\n".join(lines) + "\n"


_INI = """[pytest]
ordo_live_guard = true
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def missing_test_dependencies() -> list[str]:
    """Test-time packages the suite needs that are not installed."""
    return [m for m in ("pytest_asyncio",) if importlib.util.find_spec(m) is None]


def run_compliance(
    adapter_id: str,
    *,
    areas: Sequence[str] | None = None,
    verbose: bool = False,
    extra_args: Sequence[str] = (),
) -> ComplianceReport:
    """Run the suite for the installed adapter ``adapter_id`` against its harness's fake.

    Raises ``LookupError`` when no harness is installed for ``adapter_id`` and
    ``ValueError`` for an unknown area.
    """
    harness_cls = load_harness(adapter_id)
    chosen = list(areas) if areas else list(AREA_SUITES)
    unknown = [a for a in chosen if a not in AREA_SUITES]
    if unknown:
        raise ValueError(f"unknown area(s) {unknown}; choose from {list(AREA_SUITES)}")
    collector = _Collector()
    with tempfile.TemporaryDirectory(prefix="ordo-check-") as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text(_INI)
        # pytest's importlib mode reuses a module already in sys.modules under the same
        # name, so each run gets a name of its own and drops it afterwards.
        module = f"test_ordo_compliance_{adapter_id}_{root.name.rsplit('-', 1)[-1]}"
        (root / f"{module}.py").write_text(suite_module_source(adapter_id, chosen))
        args = [str(root), "-c", str(root / "pytest.ini"), "--rootdir", str(root)]
        args += ["-p", "no:cacheprovider", "--import-mode=importlib"]
        args += ["-v", "--tb=short"] if verbose else ["-p", "no:terminal"]
        try:
            exit_code = int(pytest.main([*args, *extra_args], plugins=[collector]))
        finally:
            sys.modules.pop(module, None)
    rows = _matrix(harness_cls.adapter_cls, collector)
    return ComplianceReport(adapter_id, harness_cls.adapter_cls, rows, exit_code, collector.errors)


def _matrix(adapter_cls: type[BrokerAdapter], collector: _Collector) -> list[MatrixRow]:
    rows = {name: MatrixRow(name, required=True, declared=True) for name in MATRIX_AREAS}
    for cap in Capability:
        rows[cap.value] = MatrixRow(
            cap.value,
            required=cap in REQUIRED_CAPABILITIES,
            declared=cap in adapter_cls.capabilities,
        )
    for nodeid, names in collector.marks.items():
        outcome = collector.outcomes.get(nodeid, CaseOutcome(nodeid, Verdict.UNTESTED))
        for name in names:
            if name in rows:
                rows[name].tests.append(outcome)
    return list(rows.values())
