"""The fake's order WebSocket: the token is checked on connect, and after the orders
subscription each change of an order is pushed as a frame the adapter's parser reads."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ordo.domain import OrderType, Side
from ordo.events.model import EventStatus, OrderUpdate
from ordo_adapter_fyers.fake import FakeFyers, create_app
from ordo_adapter_fyers.order_frames import SUBSCRIBE_ORDERS, order_update
from ordo_testing.matching import OrderTicket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect


def access_header(fake: FakeFyers) -> str:
    code = parse_qs(urlsplit(fake.issue_auth_code()).query)["auth_code"][0]
    tokens = fake.validate_auth_code(
        {"grant_type": "authorization_code", "appIdHash": fake.app_id_hash, "code": code}
    )
    return f"{fake.app_id}:{tokens['access_token']}"


def next_update(socket: Any) -> OrderUpdate:
    while True:
        update = order_update("acct", socket.receive_text())
        if update is not None:
            return update


def test_a_bad_token_is_refused_before_any_frame() -> None:
    fake = FakeFyers(enforce_rate_limits=False)
    client = TestClient(create_app(fake))
    for header in ({}, {"Authorization": f"{fake.app_id}:not-a-token"}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/trade/v3", headers=header) as socket,
        ):
            socket.receive_text()
        assert refused.value.code == 1008


def test_order_changes_are_pushed_after_the_subscription() -> None:
    fake = FakeFyers(enforce_rate_limits=False)
    engine = fake.book.engine
    listing = engine.listings["NSE:SBIN-EQ"]
    below = listing.last_price - 20 * listing.tick_size
    ticket = OrderTicket(
        key=listing.key, side=Side.BUY, quantity=5, order_type=OrderType.LIMIT, price=below
    )
    engine.place(ticket)  # before the subscription: not pushed
    client = TestClient(create_app(fake))
    with client.websocket_connect(
        "/trade/v3", headers={"Authorization": access_header(fake)}
    ) as socket:
        socket.send_json(SUBSCRIBE_ORDERS)
        assert socket.receive_json()["s"] == "ok"
        order_id = engine.place(ticket).order_id
        opened = next_update(socket)
        assert (opened.order_id, opened.status) == (order_id, EventStatus.OPEN)
        fake.fill_partly(order_id, 2, below)
        partly = next_update(socket)
        assert (partly.status, partly.filled_quantity) == (EventStatus.PARTIALLY_FILLED, 2)
        assert partly.average_price == below
        fake.reject_after_ack(order_id, "RMS:Exposure limit breached")
        rejected = next_update(socket)
        assert (rejected.status, rejected.message) == (
            EventStatus.REJECTED,
            "RMS:Exposure limit breached",
        )
        assert (rejected.order_id, rejected.filled_quantity) == (order_id, 2)
