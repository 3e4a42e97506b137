"""Exit-all-positions through the order path, and one order's broker history, against the
paper broker: the kill switch lets exits through and nothing else, an exit that would not
only reduce its position is refused, a retry with the same key books nothing more, and each
position's outcome is reported."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from ordo.adapters.base import RateScope
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import OrderRejected
from ordo.domain import OrderAck, OrderRequest, Position, Side
from ordo.safety.limiter import Priority
from ordo_adapter_mock import MockAdapter, PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_testing.server import InProcessGateway

from .conftest import GatewayFactory

EXIT = "/api/v1/positions/exit-all"


def adapter_of(gw: InProcessGateway, account: str = "paper") -> MockAdapter:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter


def broker_of(gw: InProcessGateway) -> PaperBroker:
    return adapter_of(gw).broker


async def open_positions(gw: InProcessGateway) -> None:
    """Long 3 SBIN and short 2 INFY, intraday."""
    broker = broker_of(gw)
    broker.set_price("NSE:SBIN", "800")
    broker.set_price("NSE:INFY", "1500")
    for symbol, side, quantity in (("SBIN", "BUY", 3), ("INFY", "SELL", 2)):
        body = {
            "accounts": ["paper"],
            "exchange": "NSE",
            "symbol": symbol,
            "side": side,
            "quantity": quantity,
            "product": "MIS",
        }
        placed = await gw.client.post("/api/v1/orders", json=body)
        assert placed.json()["status"] == "success", placed.json()


def net(gw: InProcessGateway) -> dict[str, int]:
    return {p.symbol: p.quantity for p in broker_of(gw).positions()}


async def test_exits_pass_the_kill_switch_new_orders_do_not_and_a_retry_replays(
    paper: InProcessGateway,
) -> None:
    await open_positions(paper)
    on = await paper.client.post("/api/v1/kill-switch", json={"reason": "flatten"})
    assert on.json()["data"]["active"] is True
    response = await paper.client.post(
        EXIT, params={"accounts": "paper"}, headers={"Idempotency-Key": "exit-1"}
    )
    body = response.json()
    assert response.status_code == 200, body
    [result] = body["results"]
    rows = {
        (r["symbol"], r["position_quantity"], r["side"], r["quantity"], r["status"])
        for r in result["data"]["positions"]
    }
    assert rows == {("SBIN", 3, "SELL", 3, "success"), ("INFY", -2, "BUY", 2, "success")}
    assert net(paper) == {"SBIN": 0, "INFY": 0}
    # Each exit is a leg of the ledger, acknowledged, tagged.
    trace = (await paper.client.get(f"/api/v1/requests/{body['request_id']}")).json()["data"]
    assert sorted(leg["state"] for leg in trace["legs"]) == ["acknowledged", "acknowledged"]
    booked = len(broker_of(paper).orders())
    assert booked == 4

    again = await paper.client.post(
        EXIT, params={"accounts": "paper"}, headers={"Idempotency-Key": "exit-1"}
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["results"] == body["results"]
    assert len(broker_of(paper).orders()) == booked

    refused = await paper.client.post(
        "/api/v1/orders",
        json={
            "accounts": ["paper"],
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "SELL",
            "quantity": 1,
            "product": "MIS",
        },
    )
    assert refused.status_code == 423
    assert refused.json()["error_code"] == "KILL_SWITCH_ACTIVE"
    assert len(broker_of(paper).orders()) == booked


async def test_a_retry_after_a_lost_exit_reply_books_nothing_more(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway(request_deadline_seconds=0.5, breaker_fail_max=100_000) as gw:
        await open_positions(gw)
        faults = broker_of(gw).faults
        faults.fail_next(FaultKind.OUTCOME_UNKNOWN, operations={"place_order"})
        faults.fail_next(
            FaultKind.UNAVAILABLE, 10_000, operations={"find_orders_by_tag"}, retry_after=0.01
        )
        headers = {"Idempotency-Key": "exit-lost"}
        first = await gw.client.post(EXIT, headers=headers)
        body = first.json()
        [result] = body["results"]
        assert result["status"] == "unknown", body
        assert result["error_code"] == "OUTCOME_UNKNOWN"
        statuses = sorted(r["status"] for r in result["data"]["positions"])
        assert statuses == ["success", "unknown"]
        faults.clear()
        booked = len(broker_of(gw).orders())
        assert booked == 4  # the lost reply's exit did reach the broker

        second = await gw.client.post(EXIT, headers=headers)
        assert "Idempotent-Replayed" not in second.headers  # not final: run again
        assert second.json()["status"] == "success", second.json()
        assert len(broker_of(gw).orders()) == booked
        assert net(gw) == {"SBIN": 0, "INFY": 0}


async def test_an_exit_that_would_grow_a_position_is_refused(
    paper: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_positions(paper)
    adapter = adapter_of(paper)

    def same_side(positions: Sequence[Position]) -> list[tuple[Position, OrderRequest]]:
        side = {True: Side.BUY, False: Side.SELL}
        return [
            (
                p,
                OrderRequest(
                    exchange=p.exchange,
                    symbol=p.symbol,
                    side=side[p.quantity > 0],
                    quantity=abs(p.quantity),
                    product=p.product,
                ),
            )
            for p in positions
            if p.quantity
        ]

    monkeypatch.setattr(adapter, "exit_orders", same_side)
    booked = len(broker_of(paper).orders())
    plain = (await paper.client.post(EXIT)).json()
    assert plain["status"] == "error"
    assert {r["error_code"] for r in plain["results"][0]["data"]["positions"]} == {
        "INVALID_REQUEST"
    }
    await paper.client.post("/api/v1/kill-switch", json={"reason": "flatten"})
    locked = await paper.client.post(EXIT)
    assert locked.status_code == 423
    rows = locked.json()["results"][0]["data"]["positions"]
    assert {r["error_code"] for r in rows} == {"KILL_SWITCH_ACTIVE"}
    assert len(broker_of(paper).orders()) == booked
    assert net(paper) == {"SBIN": 3, "INFY": -2}


async def test_one_failed_exit_is_reported_beside_the_others(
    paper: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_positions(paper)
    adapter = adapter_of(paper)
    place = adapter.place_order

    async def refuse_infy(order: OrderRequest, tag: str) -> OrderAck:
        if order.symbol == "INFY":
            raise OrderRejected("RMS: scrip blocked for the day")
        return await place(order, tag)

    monkeypatch.setattr(adapter, "place_order", refuse_infy)
    response = await paper.client.post(EXIT)
    [result] = response.json()["results"]
    assert result["status"] == "success"
    by_symbol: dict[str, Any] = {r["symbol"]: r for r in result["data"]["positions"]}
    assert by_symbol["SBIN"]["status"] == "success"
    assert by_symbol["SBIN"]["order_id"]
    assert (by_symbol["INFY"]["status"], by_symbol["INFY"]["error_code"]) == (
        "error",
        "ORDER_REJECTED",
    )
    assert net(paper) == {"SBIN": 0, "INFY": -2}


async def test_flat_accounts_exit_nothing(paper: InProcessGateway) -> None:
    response = await paper.client.post(EXIT, headers={"Idempotency-Key": "flat"})
    assert response.status_code == 200
    assert response.json()["results"][0]["data"] == {"positions": []}


async def test_an_adapter_without_the_capabilities_is_told_so(
    paper: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = MockAdapter.capabilities - {Capability.EXIT_POSITIONS, Capability.ORDER_HISTORY}
    monkeypatch.setattr(MockAdapter, "capabilities", declared)
    response = await paper.client.post(EXIT)
    assert response.status_code == 422
    assert response.json()["results"][0]["error_code"] == "CAPABILITY_NOT_SUPPORTED"
    history = await paper.client.get("/api/v1/orders/paper/PB0000000001/history")
    assert history.status_code == 422
    assert history.json()["error_code"] == "CAPABILITY_NOT_SUPPORTED"
    assert "order_history" in history.json()["message"]


async def test_order_history_from_the_broker(paper: InProcessGateway) -> None:
    broker_of(paper).set_price("NSE:SBIN", "800")
    placed = await paper.client.post(
        "/api/v1/orders",
        json={
            "accounts": ["paper"],
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "order_type": "LIMIT",
            "price": "700",
        },
    )
    order_id = placed.json()["results"][0]["data"]["order_id"]
    await paper.client.delete(f"/api/v1/orders/paper/{order_id}")
    response = await paper.client.get(f"/api/v1/orders/paper/{order_id}/history")
    assert response.status_code == 200
    steps = response.json()["data"]
    assert [s["status"] for s in steps] == ["PENDING", "OPEN", "CANCELLED"]
    assert {Decimal(s["price"]) for s in steps} == {Decimal("700")}
    missing = await paper.client.get("/api/v1/orders/paper/PB9999999999/history")
    assert (missing.status_code, missing.json()["error_code"]) == (404, "ORDER_NOT_FOUND")
    unknown = await paper.client.get(f"/api/v1/orders/nobody/{order_id}/history")
    assert unknown.status_code == 404


async def test_open_closing_orders_are_counted_so_a_position_is_never_reversed(
    paper: InProcessGateway,
) -> None:
    await open_positions(paper)  # long 3 SBIN at 800, short 2 INFY at 1500
    resting = {
        "accounts": ["paper"],
        "exchange": "NSE",
        "side": "SELL",
        "order_type": "LIMIT",
        "product": "MIS",
    }
    sbin = await paper.client.post(
        "/api/v1/orders", json={**resting, "symbol": "SBIN", "quantity": 2, "price": "900"}
    )
    infy = await paper.client.post(
        "/api/v1/orders",
        json={**resting, "symbol": "INFY", "side": "BUY", "quantity": 2, "price": "1400"},
    )
    sbin_id = sbin.json()["results"][0]["data"]["order_id"]
    infy_id = infy.json()["results"][0]["data"]["order_id"]
    response = await paper.client.post(EXIT)
    rows = {r["symbol"]: r for r in response.json()["results"][0]["data"]["positions"]}
    assert (rows["SBIN"]["quantity"], rows["SBIN"]["pending_order_ids"]) == (1, [sbin_id])
    assert rows["SBIN"]["status"] == "success"
    assert (rows["INFY"]["quantity"], rows["INFY"]["pending_order_ids"]) == (0, [infy_id])
    assert rows["INFY"]["order_id"] is None
    # SBIN: 3 held, 2 still offered by the resting order, 1 sold now; INFY untouched.
    assert net(paper) == {"SBIN": 2, "INFY": -2}


async def test_exits_queue_with_cancels_ahead_of_new_orders(
    paper: InProcessGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_positions(paper)
    limiter = paper.runtime.accounts.get("paper").limiter
    assert limiter is not None
    asked: list[tuple[RateScope, Priority]] = []
    acquire = limiter.acquire

    async def recording(scope: RateScope, priority: Priority, *args: Any, **kwargs: Any) -> float:
        asked.append((scope, priority))
        return await acquire(scope, priority, *args, **kwargs)

    monkeypatch.setattr(limiter, "acquire", recording)
    response = await paper.client.post(
        EXIT, params={"accounts": "paper"}, headers={"Idempotency-Key": "exit-priority"}
    )
    assert response.status_code == 200, response.json()
    order_calls = [priority for scope, priority in asked if scope is RateScope.ORDERS]
    assert order_calls == [Priority.CANCEL, Priority.CANCEL]
    asked.clear()
    placed = await paper.client.post(
        "/api/v1/orders",
        json={
            "accounts": ["paper"],
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "product": "MIS",
        },
    )
    assert placed.json()["status"] == "success", placed.json()
    assert [p for scope, p in asked if scope is RateScope.ORDERS] == [Priority.ORDER]
