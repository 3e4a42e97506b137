"""``Ordo`` and ``AsyncOrdo`` over a real uvicorn on loopback."""

from __future__ import annotations

import socket
from decimal import Decimal

import httpx
import pytest
from ordo_client import (
    AsyncOrdo,
    OrderRequest,
    Ordo,
    OrdoAuthError,
    OrdoConnectionError,
    OrdoNotFoundError,
    Quote,
    RetryPolicy,
)

from .conftest import TOKEN, LiveServer, paper_broker


def test_sync_client_end_to_end(live_server: LiveServer) -> None:
    paper_broker(live_server.app).set_price("NSE:INFY", Decimal("1500.00"))
    with Ordo(live_server.url, token=TOKEN) as ordo:
        assert ordo.health().status == "ok"
        assert [a.name for a in ordo.accounts()] == ["paper"]
        quote = ordo.quotes("NSE:INFY").data()["paper"][0]
        assert isinstance(quote, Quote), quote
        assert quote.last_price == Decimal("1500.00")
        buy = OrderRequest(exchange="NSE", symbol="INFY", side="BUY", quantity=4)
        result = ordo.place_order(buy, ["paper"]).raise_for_failures()
        order_id = result.order_ids()["paper"]
        filled = ordo.get_order("paper", order_id)
        assert filled.status.is_terminal
        assert filled.filled_quantity == 4
        positions = ordo.positions().data()["paper"]
        assert {p.symbol: p.quantity for p in positions}["INFY"] == 4
        assert ordo.holdings().ok
        assert ordo.funds().data()["paper"].available < Decimal("10000000")
        with pytest.raises(OrdoNotFoundError):
            ordo.cancel_order("nobody", order_id)
        plugins = ordo.plugins()
        assert any("mock" in p.adapters for p in plugins)


def test_env_configures_url_and_token(live_server: LiveServer) -> None:
    env = {"ORDO_URL": live_server.url, "ORDO_TOKEN": TOKEN}
    with Ordo(env=env) as ordo:
        assert ordo.base_url == live_server.url
        assert ordo.funds().ok
    with Ordo(env={"ORDO_URL": live_server.url}) as anonymous:
        assert anonymous.health().status == "ok"
        with pytest.raises(OrdoAuthError):
            anonymous.funds()


async def test_async_client_over_loopback(live_server: LiveServer) -> None:
    async with AsyncOrdo(live_server.url, token=TOKEN) as ordo:
        result = await ordo.funds("paper")
    assert result.request_id
    assert result.data()["paper"].total == Decimal("10000000")


def test_request_id_reaches_the_client(live_server: LiveServer) -> None:
    with Ordo(live_server.url, token="not-the-token") as ordo, pytest.raises(OrdoAuthError) as info:
        ordo.accounts()
    assert info.value.request_id
    assert len(info.value.request_id) >= 16


def test_unreachable_gateway_is_a_connection_error(live_server: LiveServer) -> None:
    # A port nobody listens on: connection refused on every attempt.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    with (
        Ordo(
            f"http://127.0.0.1:{dead}",
            token=TOKEN,
            retry=RetryPolicy(max_attempts=2, backoff=0.001),
            timeout=httpx.Timeout(2.0),
        ) as ordo,
        pytest.raises(OrdoConnectionError) as info,
    ):
        ordo.health()
    assert info.value.attempts == 2
