"""The fake's order WebSocket (``/trade/v3``), as the fact sheet describes it: the
connection carries ``Authorization: <app_id>:<token>``; a bad or expired token is refused
(closed with a policy-violation code before any frame); after
``{"T":"SUB_ORD","SUB_T":1,"action_data":["orders"]}`` every change of an order in the
book (new, partly filled, filled, rejected, cancelled, expired) is sent as
``{"orders": <order-book row>}``; a text ``ping`` is answered ``pong``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ordo_adapter_fyers.fake.state import FakeFyers, Rejected

POLICY_VIOLATION = 1008
SUBSCRIBED = {"s": "ok", "code": 1605, "message": "Successfully subscribed"}
CHANGE_SCAN_SECONDS = 0.02
"""How often the fake looks for changed orders to push (the engine has no listeners)."""


def _changes(fake: FakeFyers, seen: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows of the orders that changed since the last look. The marker is read off the
    engine's order (no row built for an unchanged one: the scan stays cheap with a
    thousand orders in the book)."""
    rows = []
    for order in list(fake.book.orders.values()):
        marker = (order.state, order.filled_quantity, order.reason, order.updated_at)
        if seen.get(order.order_id) != marker:
            seen[order.order_id] = marker
            rows.append(fake.book.order_row(order))
    return rows


def order_socket_route(fake: FakeFyers) -> WebSocketRoute:
    async def order_socket(websocket: WebSocket) -> None:
        try:
            fake.check_token(websocket.headers.get("authorization"))
        except Rejected as refused:
            await websocket.close(code=POLICY_VIOLATION, reason=str(refused))
            return
        await websocket.accept()
        seen: dict[str, tuple[Any, ...]] = {}
        _changes(fake, seen)  # what happened before the subscription is not pushed
        subscribed = False

        async def read() -> None:
            nonlocal subscribed
            while True:
                text = await websocket.receive_text()
                if text == "ping":  # the client's text heartbeat
                    await websocket.send_text("pong")
                    continue
                message = json.loads(text)
                if message.get("T") == "SUB_ORD" and "orders" in message.get("action_data", []):
                    subscribed = True
                    await websocket.send_json(SUBSCRIBED)
                elif message.get("T") == "PING":
                    await websocket.send_json({"pong": True})

        reader = asyncio.create_task(read())
        try:
            while not reader.done():
                if subscribed:
                    for row in _changes(fake, seen):
                        await websocket.send_json({"orders": row})
                await asyncio.sleep(CHANGE_SCAN_SECONDS)
        except WebSocketDisconnect:
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await reader

    return WebSocketRoute("/trade/v3", order_socket)
