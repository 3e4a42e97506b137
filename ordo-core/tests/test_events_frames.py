"""Push frames of the Fyers order WebSocket and the m.Stock socket as order updates, and a
frame in an unknown shape logged, counted and skipped without ending the reader; the
reconnect backoff doubles to its cap."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from ordo.events.channel import Backoff, FrameReader, UnknownFrame
from ordo.events.model import EventStatus

pytest.importorskip("ordo_adapter_fyers")
pytest.importorskip("ordo_adapter_mirae")
from ordo_adapter_fyers import order_frames as fyers
from ordo_adapter_mirae import order_frames as mstock


def fyers_row(status: int, filled: int = 0, **extra: Any) -> dict[str, Any]:
    row = {
        "id": "23030900012345",
        "id_fyers": "0b7e-uuid",
        "status": status,
        "qty": 10,
        "filledQty": filled,
        "tradedPrice": 812.5 if filled else 0,
        "message": "",
        "orderTag": "1:OA1B2C3",
        "orderDateTime": "09-Mar-2023 09:34:38",
        **extra,
    }
    return {"s": "ok", "orders": row}


def test_fyers_order_frames_become_updates() -> None:
    pending = fyers.order_update("f1", json.dumps(fyers_row(6)))
    assert pending is not None
    assert (pending.status, pending.filled_quantity, pending.tag) == (
        EventStatus.OPEN,
        0,
        "OA1B2C3",
    )
    partial = fyers.order_update("f1", fyers_row(6, filled=4))
    assert partial is not None
    assert partial.status is EventStatus.PARTIALLY_FILLED
    assert partial.average_price == Decimal("812.5")
    rejected = fyers.order_update("f1", fyers_row(5, message="RMS:Margin Exceeds"))
    assert rejected is not None
    assert (rejected.status, rejected.message) == (EventStatus.REJECTED, "RMS:Margin Exceeds")
    assert fyers.order_update("f1", fyers_row(2, filled=10)).status is EventStatus.FILLED  # type: ignore[union-attr]
    assert fyers.order_update("f1", fyers_row(7)).status is EventStatus.EXPIRED  # type: ignore[union-attr]
    assert fyers.order_update("f1", {"s": "ok", "code": 1605, "message": "subscribed"}) is None
    assert fyers.order_update("f1", {"trades": {"id": "1"}}) is None
    with pytest.raises(UnknownFrame):
        fyers.order_update("f1", {"orders": {"status": 6}})
    with pytest.raises(UnknownFrame):
        fyers.order_update("f1", {"weird": 1})


def test_mstock_order_frames_become_updates() -> None:
    row: dict[str, str] = {
        "order_id": "1131241001100",
        "status": "REJECTED",
        "status_message": "RMS:Blocked for trading",
        "quantity": "5",
        "filled_quantity": "0",
        "tag": "OA1B2C3",
    }
    frame: dict[str, Any] = {"type": "order", "data": row}
    update = mstock.order_update("m1", json.dumps(frame))
    assert update is not None
    assert (update.order_id, update.status, update.message, update.tag) == (
        "1131241001100",
        EventStatus.REJECTED,
        "RMS:Blocked for trading",
        "OA1B2C3",
    )
    frame["data"] = {**row, "status": "OPEN", "filled_quantity": "2"}
    assert mstock.order_update("m1", frame).status is EventStatus.PARTIALLY_FILLED  # type: ignore[union-attr]
    assert mstock.order_update("m1", b"\x00\x01tick") is None
    assert mstock.order_update("m1", {"type": "trade", "data": {}}) is None
    assert mstock.login_frame("tok") == "LOGIN:tok"
    with pytest.raises(UnknownFrame):
        mstock.order_update("m1", {"type": "heartbeat"})


async def test_unknown_frames_are_counted_and_skipped() -> None:
    async def frames() -> AsyncIterator[Any]:
        for frame in (
            "not json at all",
            {"type": "mystery"},
            json.dumps({"type": "order", "data": {"order_id": "A1", "status": "OPEN"}}),
            b"\x00tick",
            [1, 2],
            {
                "type": "order",
                "data": {
                    "order_id": "A1",
                    "status": "COMPLETE",
                    "quantity": 1,
                    "filled_quantity": 1,
                },
            },
        ):
            yield frame

    reader = FrameReader("m1", lambda f: mstock.order_update("m1", f))
    updates = [u async for u in reader.updates(frames())]
    assert [(u.order_id, u.status) for u in updates] == [
        ("A1", EventStatus.OPEN),
        ("A1", EventStatus.FILLED),
    ]
    assert reader.unknown_frames == 3


def test_reconnect_backoff_doubles_to_its_cap_and_resets() -> None:
    backoff = Backoff(first=1.0, cap=8.0)
    assert [backoff.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0
