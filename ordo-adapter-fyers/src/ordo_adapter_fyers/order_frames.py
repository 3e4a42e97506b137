"""The Fyers order WebSocket's frames as order updates (pure mapping).

The socket (``wss://socket.fyers.in/trade/v3``, header ``Authorization: <app_id>:<token>``,
subscribe ``{"T":"SUB_ORD","SUB_T":1,"action_data":["orders"]}``) sends order rows like
the order book's under ``orders``: ``id``, ``id_fyers``, ``status`` (1 cancelled, 2
traded, 4 transit, 5 rejected, 6 pending, 7 expired), ``message`` (the reject text),
``qty``, ``filledQty``, ``tradedPrice``, ``orderTag``. Other frames (trades, positions,
subscription acknowledgements, pongs) carry no order update.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ordo.adapters.values import parse_decimal, parse_int
from ordo.events.channel import UnknownFrame
from ordo.events.model import OrderUpdate, event_status

from ordo_adapter_fyers.mapping import order_status, parse_order_time, tag_from_broker

SUBSCRIBE_ORDERS = {"T": "SUB_ORD", "SUB_T": 1, "action_data": ["orders"]}
_OTHER_KEYS = frozenset({"trades", "positions", "pong"})


def order_update(account: str, frame: Any) -> OrderUpdate | None:
    """One frame (text or decoded JSON) as an order update; ``None`` when it carries no
    order; ``UnknownFrame`` for a shape this mapping does not know."""
    data = json.loads(frame) if isinstance(frame, str | bytes) else frame
    if not isinstance(data, Mapping):
        raise UnknownFrame("not a JSON object")
    row = data.get("orders")
    if row is None:
        if _OTHER_KEYS & data.keys() or "s" in data or data.get("T"):
            return None
        raise UnknownFrame(f"no orders and no known keys: {sorted(data)[:5]}")
    if not isinstance(row, Mapping) or not row.get("id") or "status" not in row:
        raise UnknownFrame("an orders frame without id and status")
    quantity, filled = parse_int(row.get("qty")), parse_int(row.get("filledQty"))
    return OrderUpdate(
        account=account,
        broker="fyers",
        order_id=str(row["id"]),
        status=event_status(order_status(row["status"], filled, quantity), filled),
        filled_quantity=filled,
        average_price=parse_decimal(row.get("tradedPrice")) if filled else None,
        message=str(row.get("message") or ""),
        tag=tag_from_broker(row.get("orderTag")),
        broker_time=parse_order_time(row.get("orderDateTime")),
    )
