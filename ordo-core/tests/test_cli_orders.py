"""``ordo accounts`` and ``ordo orders list|history|cancel`` against an in-process gateway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ordo.cli import build_cli
from ordo.cli.remote import RemoteDeps
from ordo.config import AccountConfig, load_settings
from ordo.domain import OrderRequest
from ordo_testing.threaded import ServerThread
from typer.testing import CliRunner

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "cli-orders-token-1a2b3c4d"


def invoke(server: ServerThread, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        build_cli(),
        [*args, "--url", "http://ordo.test", "--token", TOKEN],
        obj=RemoteDeps(transport=server.transport()),
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def server(tmp_path: Path) -> ServerThread:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    return ServerThread(settings)


def test_accounts_table_and_json(server: ServerThread) -> None:
    with server:
        code, out, _ = invoke(server, "accounts", "--json")
        assert code == 0
        [row] = json.loads(out)
        assert row["name"] == "paper"
        assert row["session_state"] == "active"
        code, out, _ = invoke(server, "accounts")
        assert code == 0
        assert "paper" in out
        assert "active" in out


def test_orders_list_open_and_cancel(server: ServerThread) -> None:
    with server:
        adapter = server.runtime.accounts.get("paper").adapter
        resting = OrderRequest.model_validate(
            {
                "exchange": "NSE",
                "symbol": "SBIN",
                "side": "BUY",
                "quantity": 1,
                "order_type": "LIMIT",
                "price": "100.00",
            }
        )
        filled = OrderRequest.model_validate(
            {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1}
        )
        open_ack = server.run(adapter.place_order(resting, "O000000000000001"))
        server.run(adapter.place_order(filled, "O000000000000002"))

        code, out, _ = invoke(server, "orders", "list", "--json")
        assert code == 0
        assert {o["order_id"] for o in json.loads(out)} >= {open_ack.order_id}
        assert len(json.loads(out)) == 2

        code, out, _ = invoke(server, "orders", "list", "--open", "--json")
        assert [o["order_id"] for o in json.loads(out)] == [open_ack.order_id]

        code, out, _ = invoke(server, "orders", "cancel", "paper", open_ack.order_id)
        assert code == 0, out
        assert open_ack.order_id in out
        order = server.run(adapter.get_order(open_ack.order_id))
        assert order.status.value == "CANCELLED"

        code, _, err = invoke(server, "orders", "cancel", "paper", "NOPE")
        assert code == 1
        assert "ORDER_NOT_FOUND" in err


def test_wrong_token_is_a_clear_error(server: ServerThread) -> None:
    with server:
        result = CliRunner().invoke(
            build_cli(),
            ["orders", "list", "--url", "http://ordo.test", "--token", "wrong-token-123"],
            obj=RemoteDeps(transport=server.transport()),
        )
        assert result.exit_code == 1
        assert "refused the API token" in result.stderr


def test_orders_history(server: ServerThread) -> None:
    with server:
        adapter = server.runtime.accounts.get("paper").adapter
        resting = OrderRequest.model_validate(
            {
                "exchange": "NSE",
                "symbol": "SBIN",
                "side": "BUY",
                "quantity": 2,
                "order_type": "LIMIT",
                "price": "100.00",
            }
        )
        ack = server.run(adapter.place_order(resting, "O000000000000003"))
        server.run(adapter.cancel_order(ack.order_id))

        code, out, _ = invoke(server, "orders", "history", "paper", ack.order_id, "--json")
        assert code == 0, out
        steps = json.loads(out)
        assert [s["status"] for s in steps] == ["PENDING", "OPEN", "CANCELLED"]
        assert {s["order_id"] for s in steps} == {ack.order_id}

        code, out, _ = invoke(server, "orders", "history", "paper", ack.order_id)
        assert code == 0
        assert "CANCELLED" in out
        assert "0/2" in out

        code, _, err = invoke(server, "orders", "history", "paper", "NOPE")
        assert code == 1
        assert "ORDER_NOT_FOUND" in err
