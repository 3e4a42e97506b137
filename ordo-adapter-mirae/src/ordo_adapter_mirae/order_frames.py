"""The m.Stock socket's order frames as order updates (pure mapping).

After ``LOGIN:<token>`` on ``wss://ws.mstock.trade?API_KEY=...&ACCESS_TOKEN=...`` the
socket interleaves binary tick frames (dropped here) with JSON text frames
``{"type":"order","data":{...}}`` and ``{"type":"trade","data":{...}}``. An order frame's
``data`` is an order-book row (``order_id``, ``status``, ``status_message``,
``quantity``, ``filled_quantity``, ``average_price``, ``tag``, timestamps); trade frames
change no order status on their own (the order frame that follows carries the fill).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ordo.adapters.values import parse_int, parse_text, positive_decimal
from ordo.events.channel import UnknownFrame
from ordo.events.model import OrderUpdate, event_status

from ordo_adapter_mirae.mapping import order_status, tag_of
from ordo_adapter_mirae.values import lower_keys, parse_timestamp


def login_frame(access_token: str) -> str:
    """The text frame that authenticates the socket."""
    return f"LOGIN:{access_token}"


def order_update(account: str, frame: Any) -> OrderUpdate | None:
    """One socket frame as an order update; ``None`` for ticks and trades;
    ``UnknownFrame`` for a text frame in a shape this mapping does not know."""
    if isinstance(frame, bytes | bytearray):
        return None  # a binary market-data tick
    data = json.loads(frame) if isinstance(frame, str) else frame
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise UnknownFrame("a text frame without a type")
    if data["type"] == "trade":
        return None
    if data["type"] != "order" or not isinstance(data.get("data"), Mapping):
        raise UnknownFrame(f"frame type {data['type']!r}")
    row = lower_keys(data["data"])
    order_id = parse_text(row.get("order_id"))
    if not order_id or row.get("status") is None:
        raise UnknownFrame("an order frame without order_id and status")
    quantity, filled = parse_int(row.get("quantity")), parse_int(row.get("filled_quantity"))
    return OrderUpdate(
        account=account,
        broker="mirae",
        order_id=order_id,
        status=event_status(order_status(row["status"], filled, quantity), filled),
        filled_quantity=filled,
        average_price=positive_decimal(row.get("average_price")),
        message=parse_text(row.get("status_message")),
        tag=tag_of(row.get("tag")),
        broker_time=parse_timestamp(
            row.get("exchange_update_timestamp") or row.get("order_timestamp")
        ),
    )
