"""``ordo kill-switch on|off|status`` against a gateway served by uvicorn on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import uvicorn
from ordo.api.app import create_app
from ordo.cli import build_cli
from ordo.config import AccountConfig, load_settings
from ordo_client import OrderRequest, OrderStatus, Ordo, Quote
from ordo_client.errors import OrdoValidationError
from typer.testing import CliRunner, Result

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "cli-kill-token-71c2e9b4"


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """A gateway with one paper account, served on 127.0.0.1 (a port the OS picks)."""
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_tokens=[{"name": "desk", "token": TOKEN}],
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 5})},
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None: uvicorn must not reconfigure the process's logging for later tests.
    config = uvicorn.Config(create_app(settings), lifespan="on", access_log=False, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def kill_switch(url: str, *args: str, token: str = TOKEN) -> Result:
    return CliRunner().invoke(
        build_cli(), ["kill-switch", *args], env={"ORDO_URL": url, "ORDO_TOKEN": token}
    )


def resting_buy(client: Ordo) -> str:
    """A limit buy far below the market, so it stays open."""
    quote = client.quotes("NSE:SBIN").data()["paper"][0]
    assert isinstance(quote, Quote), quote
    ltp = quote.last_price
    price = (ltp * Decimal("0.8") / Decimal("0.05")).quantize(Decimal("1")) * Decimal("0.05")
    order = OrderRequest(
        exchange="NSE", symbol="SBIN", side="BUY", quantity=1, order_type="LIMIT", price=price
    )
    result = client.place_order(order, accounts=["paper"])
    result.raise_for_failures()
    return result.order_ids()["paper"]


def test_on_status_off_round_trip_refuses_orders_while_on(server_url: str) -> None:
    off = kill_switch(server_url, "status")
    assert off.exit_code == 0, off.output
    assert "kill switch OFF" in off.stdout

    on = kill_switch(server_url, "on", "--reason", "strategy misbehaving")
    assert on.exit_code == 0, on.output
    assert "kill switch ON" in on.stdout
    assert "by desk: strategy misbehaving" in on.stdout

    status = kill_switch(server_url, "status", "--json")
    assert status.exit_code == 3  # on: scripts can tell without parsing
    state = json.loads(status.stdout)
    assert state["active"] is True
    assert state["reason"] == "strategy misbehaving"
    assert state["actor"] == "desk"

    with Ordo(server_url, TOKEN) as client:
        order = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1)
        with pytest.raises(OrdoValidationError) as refused:
            client.place_order(order, accounts=["paper"])
        assert refused.value.error_code == "KILL_SWITCH_ACTIVE"

        released = kill_switch(server_url, "off", "--reason", "fixed")
        assert released.exit_code == 0, released.output
        assert "kill switch OFF" in released.stdout
        assert not client.kill_switch().active
        placed = client.place_order(order, accounts=["paper"])
        placed.raise_for_failures()
        assert placed.order_ids()["paper"]

        kinds = [e.kind for e in client.audit(kind="kill_switch.on").events]
        assert kinds == ["kill_switch.on"]


def test_on_can_cancel_every_open_order(server_url: str) -> None:
    with Ordo(server_url, TOKEN) as client:
        order_id = resting_buy(client)
        assert client.get_order("paper", order_id).status is OrderStatus.OPEN

        result = kill_switch(server_url, "on", "-r", "flatten", "--cancel-open-orders")
        assert result.exit_code == 0, result.output
        assert "1 cancelled" in result.stdout
        assert client.get_order("paper", order_id).status is OrderStatus.CANCELLED


def test_reason_is_required_and_errors_are_one_line(server_url: str) -> None:
    missing = kill_switch(server_url, "on")
    assert missing.exit_code == 2
    assert "--reason" in missing.output

    wrong = kill_switch(server_url, "on", "--reason", "x", token="wrong-token-123")
    assert wrong.exit_code == 1
    assert "refused the API token" in wrong.stderr
    assert "Traceback" not in wrong.output

    with Ordo(server_url, TOKEN) as client:
        assert not client.kill_switch().active  # the refused call changed nothing


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = kill_switch(url, "status")
    assert result.exit_code == 2
    assert f"cannot reach the Ordo server at {url}" in result.stderr
