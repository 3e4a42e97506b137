"""The fake's socket for order updates: key and token in the query, then ``LOGIN:<token>``;
after the login, binary ticks and each change of an order as a text frame the adapter's
parser reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ordo.domain import OrderType, Side
from ordo.events.model import EventStatus, OrderUpdate
from ordo_adapter_mirae.fake import FakeMirae
from ordo_adapter_mirae.fake.state import FakeBroker, FakeUser
from ordo_adapter_mirae.order_frames import login_frame, order_update
from ordo_testing.matching import OrderTicket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

USERNAME, PASSWORD, API_KEY = "MA0001", "socket-password", "socket-key"


def logged_in() -> tuple[FakeBroker, str]:
    broker = FakeBroker(users=[FakeUser(USERNAME, PASSWORD, API_KEY)])
    broker.login(USERNAME, PASSWORD)
    token = broker.session_token(API_KEY, broker.current_otp(USERNAME), "L")["access_token"]
    return broker, str(token)


def next_update(socket: Any) -> OrderUpdate:
    while True:
        message = socket.receive()
        if message.get("text") is None:
            continue  # a binary tick frame
        update = order_update("acct", message["text"])
        if update is not None:
            return update


def test_a_bad_key_token_or_login_frame_is_refused() -> None:
    broker, token = logged_in()
    client = TestClient(FakeMirae(broker).app)
    for query in (f"API_KEY={API_KEY}&ACCESS_TOKEN=wrong", f"API_KEY=other&ACCESS_TOKEN={token}"):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(f"/?{query}") as socket,
        ):
            socket.receive_text()
        assert refused.value.code == 1008
    with client.websocket_connect(f"/?API_KEY={API_KEY}&ACCESS_TOKEN={token}") as socket:
        socket.send_text(login_frame("not-the-token"))
        with pytest.raises(WebSocketDisconnect) as bad_login:
            socket.receive_bytes()
    assert bad_login.value.code == 1008


def test_order_changes_are_pushed_after_the_login() -> None:
    broker, token = logged_in()
    engine = broker.book.engine
    listing = next(iter(engine.listings.values()))
    below = listing.last_price - 20 * listing.tick_size
    ticket = OrderTicket(
        key=listing.key, side=Side.BUY, quantity=5, order_type=OrderType.LIMIT, price=below
    )
    client = TestClient(FakeMirae(broker).app)
    with client.websocket_connect(f"/?API_KEY={API_KEY}&ACCESS_TOKEN={token}") as socket:
        socket.send_text(login_frame(token))
        assert socket.receive()["bytes"]  # a tick comes first
        order_id = engine.place(ticket).order_id
        opened = next_update(socket)
        assert (opened.order_id, opened.status) == (order_id, EventStatus.OPEN)
        broker.fill_partly(order_id, 2, below)
        partly = next_update(socket)
        assert (partly.status, partly.filled_quantity) == (EventStatus.PARTIALLY_FILLED, 2)
        assert partly.average_price == Decimal(below)
        assert broker.expire_day() == [order_id]
        expired = next_update(socket)
        assert (expired.order_id, expired.status) == (order_id, EventStatus.EXPIRED)
