"""``closeposition`` runs Ordo's exit-all: it works under the kill switch (new orders stay
refused), exits a derivative position above its freeze quantity as child orders, counts
open orders already closing a position, and a retried request books nothing more."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordo.domain import Instrument
from ordo_adapter_mock import MockAdapter, PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_openalgo.exits import exit_row

from .conftest import APIKEY, DUAL_KEY, Facade

FREEZE = 1800
"""The paper master's NIFTY freeze quantity (lot 75)."""


def _orders(facade: Facade) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = facade.client().orderbook()["data"]["orders"]
    return orders


def _position(facade: Facade, symbol: str, exchange: str = "NSE", product: str = "MIS") -> int:
    reply = facade.client().openposition(symbol=symbol, exchange=exchange, product=product)
    assert reply["status"] == "success", reply
    return int(reply["quantity"])


def _place(facade: Facade, **order: Any) -> str:
    reply = facade.client().placeorder(exchange="NSE", product="MIS", **order)
    assert reply["status"] == "success", reply
    order_id: str = reply["orderid"]
    return order_id


def _engage(facade: Facade) -> None:
    switch = {"reason": "flatten", "cancel_open_orders": False}
    on = facade.ordo("POST", "/api/v1/kill-switch", switch)
    assert on["status"] == "success", on


def _broker(facade: Facade, account: str) -> PaperBroker:
    adapter = facade.app.state.ordo.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter.broker


def _nifty_call(facade: Facade) -> Instrument:
    return next(
        i
        for i in _broker(facade, "paper").instruments()
        if i.underlying == "NIFTY" and i.symbol.endswith("CE") and i.strike == Decimal(24000)
    )


def test_closeposition_works_under_the_kill_switch(facade: Facade) -> None:
    client = facade.client()
    _place(facade, symbol="INFY", action="SELL", quantity=2)
    _place(facade, symbol="TCS", action="BUY", quantity=1)
    _engage(facade)

    refused = facade.post(
        "placeorder",
        {
            "apikey": APIKEY,
            "symbol": "SBIN",
            "exchange": "NSE",
            "action": "BUY",
            "quantity": "1",
            "pricetype": "MARKET",
            "product": "MIS",
        },
    )
    assert refused.status_code == 423, refused.text
    assert "KILL_SWITCH" in refused.json()["message"]

    closed = client.closeposition()
    assert closed["status"] == "success", closed
    assert closed["message"] == "All Open Positions Squared Off"
    rows = {r["symbol"]: r for r in closed["results"]}
    assert set(rows) == {"INFY", "TCS"}
    assert {s: (r["action"], r["quantity"], r["account"]) for s, r in rows.items()} == {
        "INFY": ("BUY", 2, "paper"),
        "TCS": ("SELL", 1, "paper"),
    }
    for symbol, row in rows.items():
        status = client.orderstatus(order_id=row["orderid"])["data"]
        assert (status["symbol"], status["order_status"]) == (symbol, "complete")
        assert status["pricetype"] == "MARKET"
    assert (_position(facade, "INFY"), _position(facade, "TCS")) == (0, 0)
    assert len(_orders(facade)) == 4  # two entries, two exits; the refused order is not booked


def test_a_derivative_position_above_the_freeze_quantity_closes_via_children(
    facade: Facade,
) -> None:
    client = facade.client()
    option = _nifty_call(facade)
    long = {"exchange": "NFO", "symbol": option.symbol, "side": "BUY", "product": "NRML"}
    opened = facade.ordo(
        "POST", "/api/v1/orders", {"accounts": ["paper"], **long, "quantity": 4500, "slice": True}
    )
    assert opened["status"] == "success", opened
    assert _position(facade, option.symbol, "NFO", "NRML") == 4500
    entries = len(_orders(facade))
    assert entries == 3  # the entry itself went as 1800 + 1800 + 900
    # One plain order of the whole position is above the freeze quantity: refused.
    plain = client.placeorder(
        symbol=option.symbol,
        exchange="NFO",
        action="SELL",
        quantity=4500,
        price_type="MARKET",
        product="NRML",
    )
    assert plain["status"] == "error", plain
    assert "FREEZE_QUANTITY_EXCEEDED" in plain["message"]
    _engage(facade)

    closed = client.closeposition()
    assert closed["status"] == "success", closed
    [row] = closed["results"]
    assert (row["symbol"], row["exchange"], row["product"]) == (option.symbol, "NFO", "NRML")
    assert (row["action"], row["quantity"], row["status"]) == ("SELL", 4500, "success")
    assert "orderid" not in row
    assert len(row["orderids"]) == 3
    children = {o["orderid"]: o for o in _orders(facade) if o["action"] == "SELL"}
    assert sorted(children) == sorted(row["orderids"])
    assert sorted(o["quantity"] for o in children.values()) == [900, FREEZE, FREEZE]
    assert {o["order_status"] for o in children.values()} == {"complete"}
    assert _position(facade, option.symbol, "NFO", "NRML") == 0


def test_a_retried_closeposition_books_nothing_more(facade: Facade) -> None:
    _place(facade, symbol="INFY", action="BUY", quantity=3)
    _place(facade, symbol="TCS", action="SELL", quantity=2)
    body = {"apikey": APIKEY, "strategy": "Python", "idempotency_key": "flatten-1"}

    first = facade.post("closeposition", body)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "success"
    booked = _orders(facade)
    assert len(booked) == 4

    # The same key, in the body or as the header: the first answer again, nothing sent.
    again = facade.post("closeposition", body)
    by_header = facade.post(
        "closeposition",
        {"apikey": APIKEY, "strategy": "Python"},
        **{"Idempotency-Key": "flatten-1"},
    )
    for replay in (again, by_header):
        assert replay.status_code == 200, replay.text
        assert replay.json()["duplicate"] is True
        assert replay.json()["status"] == "success"
        assert replay.json()["results"] == first.json()["results"]
        assert "no new order was placed" in replay.json()["message"]
    assert _orders(facade) == booked
    # Without a key (closeposition is not de-duplicated by body) the positions are read
    # again: flat, so nothing is sent.
    fresh = facade.client().closeposition()
    assert fresh == {
        "status": "success",
        "message": "All Open Positions Squared Off",
        "results": [],
    }
    assert _orders(facade) == booked


def test_open_closing_orders_are_counted_so_a_second_close_never_reverses(
    facade: Facade,
) -> None:
    client = facade.client()
    _place(facade, symbol="SBIN", action="BUY", quantity=5)
    ltp = client.quotes(symbol="SBIN", exchange="NSE")["data"]["ltp"]
    # A resting sell of 2 far above the market: it already closes 2 of the 5.
    resting = _place(
        facade,
        symbol="SBIN",
        action="SELL",
        quantity=2,
        price_type="LIMIT",
        price=round(ltp * 1.5, 1),
    )

    closed = client.closeposition()
    assert closed["status"] == "success", closed
    [row] = closed["results"]
    assert (row["action"], row["quantity"], row["pending_orderids"]) == ("SELL", 3, [resting])
    assert _position(facade, "SBIN") == 2
    booked = len(_orders(facade))

    again = client.closeposition()
    assert again["status"] == "success", again
    [covered] = again["results"]
    assert (covered["quantity"], covered["pending_orderids"]) == (0, [resting])
    assert "orderid" not in covered
    assert covered["message"] == "already covered by open orders; nothing more sent"
    assert len(_orders(facade)) == booked
    assert _position(facade, "SBIN") == 2


def test_every_account_of_the_key_is_closed_and_one_that_fails_is_reported(
    facade: Facade,
) -> None:
    dual = facade.client(DUAL_KEY)
    placed = dual.placeorder(
        symbol="INFY", exchange="NSE", action="BUY", quantity=2, price_type="MARKET", product="MIS"
    )
    assert placed["status"] == "success", placed

    closed = dual.closeposition()
    assert closed["status"] == "success", closed
    assert sorted((r["account"], r["symbol"], r["action"]) for r in closed["results"]) == [
        ("desk", "INFY", "SELL"),
        ("paper", "INFY", "SELL"),
    ]

    dual.placeorder(
        symbol="TCS", exchange="NSE", action="SELL", quantity=1, price_type="MARKET", product="MIS"
    )
    # The desk's positions cannot be read (the broker asks for a wait past the deadline):
    # its exits never start, the paper account's still go.
    _broker(facade, "desk").faults.fail_next(
        FaultKind.RATE_LIMITED, operations={"get_positions"}, retry_after=3600
    )
    partial = dual.closeposition()
    assert partial["status"] == "partial", partial
    assert partial["message"] == "Squared off 1 positions; 1 failed"
    desk, paper = sorted(partial["results"], key=lambda r: str(r["account"]))
    assert (desk["account"], desk["status"]) == ("desk", "error")
    assert "paper broker rate limit (injected fault)" in desk["message"], desk
    assert (paper["account"], paper["symbol"], paper["action"]) == ("paper", "TCS", "BUY")
    assert _position(facade, "TCS") == 0


def _exit(**changes: Any) -> dict[str, Any]:
    """An entry of Ordo's exit-all reply (``ordo.orchestrator.exits``) for a long NIFTY
    position of 4500."""
    return {
        "exchange": "NFO",
        "symbol": "NIFTY09JAN2524000CE",
        "product": "NRML",
        "position_quantity": 4500,
        "side": "SELL",
        "quantity": 4500,
        "status": "success",
        "order_id": None,
        "tag": "t",
        "pending_order_ids": [],
        **changes,
    }


def test_a_failed_or_unknown_exit_row_says_why_and_lists_the_children_sent() -> None:
    sliced = {"sliced": True, "order_ids": ["c1"], "slices": []}
    unknown = exit_row(
        "paper",
        _exit(status="unknown", sliced=sliced, error_code="OUTCOME_UNKNOWN", message="lost"),
    )
    assert unknown == {
        "symbol": "NIFTY09JAN2524000CE",
        "exchange": "NFO",
        "product": "NRML",
        "action": "SELL",
        "quantity": 4500,
        "account": "paper",
        "status": "error",
        "orderids": ["c1"],
        "message": "OUTCOME_UNKNOWN: outcome unknown, Ordo is reconciling it: lost",
    }
    refused = exit_row(
        "desk",
        _exit(status="error", error_code="INVALID_REQUEST", message="would not only reduce"),
    )
    assert (refused["status"], refused["message"]) == (
        "error",
        "INVALID_REQUEST: would not only reduce",
    )
    assert "orderid" not in refused
    assert "orderids" not in refused
    placed = exit_row("paper", _exit(order_id="o1", pending_order_ids=["p1"]))
    assert (placed["status"], placed["orderid"], placed["pending_orderids"]) == (
        "success",
        "o1",
        ["p1"],
    )
    assert "message" not in placed
