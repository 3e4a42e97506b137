"""The remote commands tell the truth against a running gateway: a partly failed command
exits non-zero with each account's reason (the broker's words included), the kill switch
lists every cancel, an unreadable account is never shown as an empty book, times are IST
to the second, tables fit 80 columns, and the connection options are the same everywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ordo.adapters.errors import BrokerUnavailable, OrderRejected
from ordo.cli import build_cli
from ordo.cli.remote import RemoteDeps
from ordo.config import AccountConfig, load_settings
from ordo.domain import OrderRequest
from ordo_testing.threaded import ServerThread
from typer.testing import CliRunner, Result

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "cli-truth-token-9d8c7b6a"
REFUSAL = "exchange refused the cancel: order is in the pre-open auction"
IST_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        request_deadline_seconds=2.0,
        accounts={
            "alpha": AccountConfig(adapter="mock", settings={"seed": 1}),
            "beta": AccountConfig(adapter="mock", settings={"seed": 2}),
        },
    )
    with ServerThread(settings) as running:
        running.runtime.safety.policy.base_delay = 0.001
        yield running


def invoke(server: ServerThread, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        build_cli(),
        [*args, "--url", "http://ordo.test"],
        obj=RemoteDeps(transport=server.transport()),
        env={"ORDO_TOKEN": TOKEN, **(env or {})},
    )


def resting_buy(server: ServerThread, account: str, tag: str) -> str:
    adapter = server.runtime.accounts.get(account).adapter
    order = OrderRequest.model_validate(
        {
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "order_type": "LIMIT",
            "price": "100.00",
        }
    )
    ack = server.run(adapter.place_order(order, tag))
    return str(ack.order_id)


def refuse_cancel_of(monkeypatch: pytest.MonkeyPatch, server: ServerThread, order_id: str) -> None:
    adapter: Any = server.runtime.accounts.get("beta").adapter
    real = adapter.cancel_order

    async def cancel(target: str) -> Any:
        if target == order_id:
            raise OrderRejected(REFUSAL)
        return await real(target)

    monkeypatch.setattr(adapter, "cancel_order", cancel)


def fits_80(text: str) -> bool:
    return all(len(line) <= 80 for line in text.splitlines())


def test_kill_switch_lists_every_cancel_and_fails_when_one_failed(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = resting_buy(server, "alpha", "T0000000000000A1")
    stuck = resting_buy(server, "beta", "T0000000000000B1")
    refuse_cancel_of(monkeypatch, server, stuck)

    result = invoke(server, "kill-switch", "on", "-r", "drill", "--cancel-open-orders")

    assert result.exit_code == 1, result.output
    out = " ".join(result.stdout.split())
    assert kept in out
    assert stuck in out
    assert "FAILED" in out
    assert "ORDER_REJECTED" in out
    assert "pre-open auction" in out  # the broker's own words
    assert "1 cancelled, 1 not cancelled" in out
    assert "NOT cancelled" in result.stderr
    assert fits_80(result.stdout)
    assert (
        server.run(server.runtime.accounts.get("beta").adapter.get_order(stuck)).status.value
        == "OPEN"
    )


def test_kill_switch_succeeds_when_every_cancel_did(server: ServerThread) -> None:
    first = resting_buy(server, "alpha", "T0000000000000A2")
    result = invoke(server, "kill-switch", "on", "-r", "drill", "--cancel-open-orders")
    assert result.exit_code == 0, result.output
    assert first in result.stdout
    assert "1 cancelled, 0 not cancelled" in result.stdout


def test_a_refused_cancel_prints_the_broker_reason(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = resting_buy(server, "beta", "T0000000000000B3")
    refuse_cancel_of(monkeypatch, server, stuck)
    result = invoke(server, "orders", "cancel", "beta", stuck)
    assert result.exit_code == 1
    assert "beta: ORDER_REJECTED" in result.stderr
    assert "pre-open auction" in result.stderr


def test_an_unreadable_account_is_not_an_empty_book(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    resting_buy(server, "alpha", "T0000000000000A4")
    adapter: Any = server.runtime.accounts.get("beta").adapter

    async def down() -> Any:
        raise BrokerUnavailable("m.Stock gateway timeout")

    monkeypatch.setattr(adapter, "list_orders", down)
    table = invoke(server, "orders", "list", "--open")
    assert table.exit_code == 1, table.output
    assert "UNREADABLE" in table.stdout
    assert "beta: BROKER_UNAVAILABLE" in table.stderr
    assert "gateway timeout" in table.stderr
    assert "alpha" in table.stdout
    assert fits_80(table.stdout)

    as_json = invoke(server, "orders", "list", "--open", "--json")
    assert as_json.exit_code == 1
    rows = json.loads(as_json.stdout)
    unreadable = [r for r in rows if r.get("unreadable")]
    assert [r["account"] for r in unreadable] == ["beta"]
    assert unreadable[0]["error_code"] == "BROKER_UNAVAILABLE"


def test_accounts_show_ist_to_the_second_within_80_columns(server: ServerThread) -> None:
    result = invoke(server, "accounts")
    assert result.exit_code == 0, result.output
    assert "(IST)" in result.stdout
    assert IST_SECONDS.search(result.stdout)
    assert fits_80(result.stdout)
    status = invoke(server, "kill-switch", "on", "-r", "drill")
    assert re.search(r"changed \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} IST by default", status.stdout)


def test_the_token_falls_back_to_ordo_api_token(server: ServerThread) -> None:
    result = CliRunner().invoke(
        build_cli(),
        ["accounts", "--json", "--url", "http://ordo.test"],
        obj=RemoteDeps(transport=server.transport()),
        env={"ORDO_TOKEN": None, "ORDO_API_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    assert {a["name"] for a in json.loads(result.stdout)} == {"alpha", "beta"}


COMMANDS = [
    ["status"],
    ["accounts"],
    ["login", "alpha"],
    ["orders", "list"],
    ["orders", "cancel", "alpha", "X1"],
    ["kill-switch", "on", "-r", "x"],
    ["kill-switch", "off", "-r", "x"],
    ["kill-switch", "status"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_remote_command_takes_the_same_connection_options(command: list[str]) -> None:
    shown = CliRunner().invoke(
        build_cli(), [*command[: 2 if command[0] in {"orders", "kill-switch"} else 1], "--help"]
    )
    assert shown.exit_code == 0
    for option in ("--url", "--token", "--ca-certs", "--cert", "--key"):
        assert option in shown.stdout, (command, option)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_half_given_tls_options_are_refused(command: list[str], tmp_path: Path) -> None:
    pem = tmp_path / "client.pem"
    pem.write_text("not used")
    key_only = CliRunner().invoke(
        build_cli(),
        [*command, "--url", "https://ordo.example:8443", "--key", str(pem)],
        env={"ORDO_TOKEN": TOKEN},
    )
    assert key_only.exit_code == 2
    assert "--key needs --cert" in key_only.stderr
    plain = CliRunner().invoke(
        build_cli(),
        [*command, "--url", "http://127.0.0.1:9", "--ca-certs", str(pem)],
        env={"ORDO_TOKEN": TOKEN},
    )
    assert plain.exit_code == 2
    assert "need an https:// --url" in plain.stderr


@pytest.mark.parametrize("command", [["orders", "list"], ["kill-switch", "on"], ["accounts"]])
def test_exit_codes_are_in_help(command: list[str]) -> None:
    shown = CliRunner().invoke(build_cli(), [*command, "--help"])
    assert "Exit status" in shown.stdout
    assert "2 the server is unreachable" in " ".join(shown.stdout.split())
