"""``ordo adapters check ID``: the capability matrix and its exit codes."""

from __future__ import annotations

import re
import sys

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import BrokerUnavailable, SessionExpired
from ordo.cli.adapters import app
from ordo.domain import Order, OrderAck, OrderModification
from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.testing import MockHarness
from ordo_testing import harness as harness_module
from ordo_testing import runner
from ordo_testing.harness import AdapterHarness
from typer.testing import CliRunner


class _NoExpiry(MockAdapter):
    async def get_funds(self):  # type: ignore[no-untyped-def]
        try:
            return await super().get_funds()
        except SessionExpired as exc:
            raise BrokerUnavailable(str(exc)) from None


class _ModifyIgnored(MockAdapter):
    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        order: Order = await self.get_order(order_id)
        return OrderAck(order_id=order.order_id, status=order.status)


def _harness(adapter_cls: type[MockAdapter]) -> type[AdapterHarness]:
    class Harness(MockHarness):
        def create_adapter(self, account: str = "compliance") -> MockAdapter:
            context = AdapterContext(account=account, data_dir=self.data_dir)
            return adapter_cls(self.settings, context, broker=self.broker)

    Harness.adapter_cls = adapter_cls
    return Harness


def _install(monkeypatch: pytest.MonkeyPatch, harness_cls: type[AdapterHarness]) -> None:
    """Stand in for an installed ``ordo.harness`` entry point named ``broken``."""
    real = harness_module.load_harness

    def load(adapter_id: str) -> type[AdapterHarness]:
        return harness_cls if adapter_id == "broken" else real(adapter_id)

    # The generated test module imports load_harness from the harness module itself.
    monkeypatch.setattr(harness_module, "load_harness", load)
    monkeypatch.setattr(runner, "load_harness", load)


def _row(output: str, name: str) -> list[str]:
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)]
        if len(cells) > 2 and cells[1] == name:
            return cells[1:-1]
    raise AssertionError(f"no row {name!r} in:\n{output}")


def test_check_mock_prints_a_verified_matrix() -> None:
    result = CliRunner().invoke(app, ["check", "mock"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert _row(result.output, "place_order")[:4] == ["place_order", "yes", "yes", "passed"]
    assert _row(result.output, "modify_order")[:4] == ["modify_order", "", "yes", "passed"]
    assert _row(result.output, "session")[3] == "passed"
    assert "every declared capability verified" in result.output


def test_check_one_area_leaves_the_rest_untested() -> None:
    result = CliRunner().invoke(app, ["check", "mock", "--area", "tags"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert _row(result.output, "order_tags")[3] == "passed"
    assert _row(result.output, "funds")[3] == "untested"


def test_failing_declared_optional_capability_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _install(monkeypatch, _harness(_ModifyIgnored))
    result = CliRunner().invoke(app, ["check", "broken"], env={"COLUMNS": "160"})
    assert result.exit_code == 1, result.output
    assert _row(result.output, "modify_order")[3] == "failed"
    assert _row(result.output, "cancel_order")[3] == "passed"
    assert "test_modify_changes_the_price" in result.output
    assert "not compliant" in result.output


def test_missing_session_expired_fails_the_session_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _harness(_NoExpiry))
    report = runner.run_compliance("broken", areas=["session", "errors", "portfolio"])
    rows = {row.name: row for row in report.rows}
    assert rows["session"].verified is runner.Verdict.FAILED
    assert rows["errors"].verified is runner.Verdict.FAILED
    assert rows["funds"].verified is runner.Verdict.PASSED
    assert rows["order_book"].verified is runner.Verdict.UNTESTED
    assert not report.ok
    failed = {f.nodeid.rsplit("::", 1)[-1] for f in report.failures}
    assert "test_expired_token_raises_session_expired" in failed
    assert "test_expired_token_on_every_read_raises_session_expired[get_funds]" in failed
    assert "test_expired_token_on_every_read_raises_session_expired[list_orders]" not in failed


def test_unknown_adapter_exits_2() -> None:
    result = CliRunner().invoke(app, ["check", "nosuchbroker"])
    assert result.exit_code == 2
    assert "no harness is installed for adapter 'nosuchbroker'" in result.output


def test_unknown_area_exits_2() -> None:
    result = CliRunner().invoke(app, ["check", "mock", "--area", "nonsense"])
    assert result.exit_code == 2
    assert "unknown area" in result.output


def test_generated_module_has_one_class_per_area() -> None:
    source = runner.suite_module_source("fyers", ["session", "tags"])
    assert "harness_cls = load_harness('fyers')" in source
    assert "class TestSession(_Fixtures, SessionSuite):" in source
    assert "class TestTags(_Fixtures, TagsSuite):" in source
    compile(source, "generated", "exec")


def test_check_without_the_authors_kit_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime install has no ordo-testing: the command says which package to install."""
    from ordo.cli import build_cli

    monkeypatch.setitem(sys.modules, "ordo_testing", None)  # find_spec now answers None
    result = CliRunner().invoke(build_cli(), ["adapters", "check", "mock"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "ordo_testing not installed: install ordo-testing (pip install ordo-testing) to run "
        "the compliance suite"
    ]
