"""The fake's socket (``wss://ws.mstock.trade`` at ``/``), as the fact sheet describes it
for order updates: the connection carries ``API_KEY`` and ``ACCESS_TOKEN`` in its query,
then the client sends the text frame ``LOGIN:<token>``; a bad key or token (in the query
or the login frame) is closed with a policy-violation code. After the login the socket
sends a binary tick frame (which order readers drop) and then each change of an order in
the book as the text frame ``{"type":"order","data":<order-book row>}``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ordo_adapter_mirae.fake.rows import FakeError
from ordo_adapter_mirae.fake.state import FakeBroker

POLICY_VIOLATION = 1008
TICK_FRAME = b"\x00\x01fake-tick"
CHANGE_SCAN_SECONDS = 0.02
"""How often the fake looks for changed orders to push (the engine has no listeners)."""


def _changes(broker: FakeBroker, seen: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for row in broker.book.order_rows():
        fingerprint = json.dumps(
            [row.get("status"), row.get("filled_quantity"), row.get("status_message")],
            default=str,
        )
        if seen.get(str(row["order_id"])) != fingerprint:
            seen[str(row["order_id"])] = fingerprint
            rows.append(row)
    return rows


async def _drain(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


def order_socket_route(broker: FakeBroker) -> WebSocketRoute:
    async def order_socket(websocket: WebSocket) -> None:
        api_key = websocket.query_params.get("API_KEY", "")
        token = websocket.query_params.get("ACCESS_TOKEN", "")
        try:
            broker.authenticate(f"token {api_key}:{token}")
        except FakeError as refused:
            await websocket.close(code=POLICY_VIOLATION, reason=str(refused))
            return
        await websocket.accept()
        try:
            if await websocket.receive_text() != f"LOGIN:{token}":
                await websocket.close(code=POLICY_VIOLATION, reason="login frame refused")
                return
            seen: dict[str, str] = {}
            _changes(broker, seen)  # what happened before the login is not pushed
            broker.socket_logins += 1
            await websocket.send_bytes(TICK_FRAME)
            # Reading too (and dropping what arrives): a client that leaves is noticed.
            reader = asyncio.create_task(_drain(websocket))
            try:
                while not reader.done():
                    for row in _changes(broker, seen):
                        await websocket.send_text(
                            json.dumps({"type": "order", "data": row}, default=str)
                        )
                    await asyncio.sleep(CHANGE_SCAN_SECONDS)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                    await reader
        except WebSocketDisconnect:
            return
        finally:
            with contextlib.suppress(Exception):
                await websocket.close()

    return WebSocketRoute("/", order_socket)
