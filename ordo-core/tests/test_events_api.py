"""Order events end to end on the paper broker: an order filled in two parts, one rejected
after its acknowledgement, one cancelled and one expired at day end each produce the right
events, in order, over SSE (with Last-Event-ID resume and filters), in the order's
history, in ``GET /api/v1/requests/{id}``, the audit trail and the metrics; bad
``Last-Event-ID`` values get clear errors; the kill switch reports confirmed cancels."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo.events.watcher import OrderWatcher
from ordo_testing.server import InProcessGateway, gateway_in_process

pytest.importorskip("ordo_adapter_mock")
from ordo_adapter_mock import MockAdapter
from ordo_adapter_mock.after_ack import expire_day, fill_partly, reject_after_ack

TOKEN = "events-token-0123456789"


def settings_for(tmp_path: Path) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        # The test drives each poll itself; the background poll waits an hour.
        order_watch_interval_seconds=3600,
        events_stream_seconds=0.05,
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 5})},
    )


def paper(gw: InProcessGateway) -> MockAdapter:
    adapter = gw.runtime.accounts.get("paper").adapter
    assert isinstance(adapter, MockAdapter)
    return adapter


def watcher(gw: InProcessGateway) -> OrderWatcher:
    return gw.runtime.watchers.running["paper"][1]


async def place_limit(gw: InProcessGateway, quantity: int = 10) -> tuple[str, str]:
    body = {
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": quantity,
        "order_type": "LIMIT",
        "price": "700",
        "accounts": ["paper"],
    }
    response = await gw.client.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    [leg] = response.json()["results"]
    return leg["data"]["order_id"], response.json()["request_id"]


def sse_events(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if fields.get("event") == "order":
            data = json.loads(fields["data"])
            assert int(fields["id"]) == data["id"]
            events.append(data)
    return events


async def test_every_fate_of_an_order_reaches_sse_history_and_the_ledger(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        broker = paper(gw).broker
        broker.set_price("NSE:SBIN", "800")
        filled, filled_request = await place_limit(gw)
        rejected, rejected_request = await place_limit(gw)
        cancelled, _ = await place_limit(gw)
        expired, _ = await place_limit(gw)
        assert await watcher(gw).poll_once() == 4  # each one OPEN

        fill_partly(broker, filled, 4, Decimal("699.5"))
        reject_after_ack(broker, rejected, "RMS: margin shortfall after revaluation")
        assert await watcher(gw).poll_once() == 2
        fill_partly(broker, filled, 6, Decimal("700"))
        deleted = await gw.client.delete(f"/api/v1/orders/paper/{cancelled}")
        assert deleted.status_code == 200, deleted.text
        assert await watcher(gw).poll_once() == 2
        assert [o.order_id for o in expire_day(broker)] == [expired]
        assert await watcher(gw).poll_once() == 1
        assert await watcher(gw).poll_once() == 0  # nothing new, nothing repeated
        assert await gw.runtime.events.followed("paper") == []

        stream = await gw.client.get("/api/v1/events")
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream.text)
        ids = [e["id"] for e in events]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids) == 9
        by_order: dict[str, list[tuple[str, int]]] = {}
        for event in events:
            by_order.setdefault(event["order_id"], []).append(
                (event["status"], event["filled_quantity"])
            )
        assert by_order == {
            filled: [("OPEN", 0), ("PARTIALLY_FILLED", 4), ("FILLED", 10)],
            rejected: [("OPEN", 0), ("REJECTED", 0)],
            cancelled: [("OPEN", 0), ("CANCELLED", 0)],
            expired: [("OPEN", 0), ("EXPIRED", 0)],
        }
        rejection = next(e for e in events if e["status"] == "REJECTED")
        assert rejection["after_ack"] is True
        assert rejection["message"] == "RMS: margin shortfall after revaluation"
        assert rejection["request_id"] == rejected_request
        assert Decimal(next(e for e in events if e["status"] == "FILLED")["average_price"]) == (
            Decimal("699.8")
        )

        # Resume: after the fourth event come exactly the five later ones.
        resumed = await gw.client.get("/api/v1/events", headers={"Last-Event-ID": str(ids[3])})
        assert [e["id"] for e in sse_events(resumed.text)] == ids[4:]
        only = await gw.client.get(
            "/api/v1/events", params={"status": ["REJECTED", "EXPIRED"], "accounts": "paper"}
        )
        assert [(e["order_id"], e["status"]) for e in sse_events(only.text)] == [
            (rejected, "REJECTED"),
            (expired, "EXPIRED"),
        ]

        history = (await gw.client.get(f"/api/v1/orders/paper/{filled}/events")).json()
        assert history["status"] == "success"
        assert [e["status"] for e in history["data"]] == ["OPEN", "PARTIALLY_FILLED", "FILLED"]

        trace = (await gw.client.get(f"/api/v1/requests/{rejected_request}")).json()
        [leg] = trace["data"]["legs"]
        assert leg["state"] == "acknowledged"
        assert leg["order_status"] == "REJECTED"
        assert leg["rejected_after_ack"] is True
        assert leg["last_event_id"] == rejection["id"]
        filled_trace = (await gw.client.get(f"/api/v1/requests/{filled_request}")).json()
        assert filled_trace["data"]["legs"][0]["order_status"] == "FILLED"
        assert filled_trace["data"]["legs"][0]["rejected_after_ack"] is False

        audit = await gw.client.get("/api/v1/audit", params={"kind": "order.rejected_after_ack"})
        rows = audit.json()["data"]["events"]
        assert [r["payload"]["order_id"] for r in rows] == [rejected]
        metrics = (await gw.client.get("/metrics")).text
        assert 'ordo_orders_rejected_after_ack_total{account="paper"} 1.0' in metrics
        assert 'ordo_order_events_total{account="paper",status="open"} 4.0' in metrics


async def test_bad_last_event_ids_and_unknown_accounts_get_clear_errors(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        for value, code in (
            ("abc", "INVALID_LAST_EVENT_ID"),
            ("-1", "INVALID_LAST_EVENT_ID"),
            ("7", "LAST_EVENT_ID_IN_FUTURE"),
        ):
            response = await gw.client.get("/api/v1/events", headers={"Last-Event-ID": value})
            assert response.status_code == 422, value
            body = response.json()
            assert body["status"] == "error"
            assert body["error_code"] == code
        ghost = await gw.client.get("/api/v1/events", params={"accounts": "ghost"})
        assert ghost.status_code == 404
        assert ghost.json()["error_code"] == "UNKNOWN_ACCOUNT"
        bad_status = await gw.client.get("/api/v1/events", params={"status": "DONE"})
        assert bad_status.status_code == 422
        history = await gw.client.get("/api/v1/orders/ghost/X1/events")
        assert history.json()["error_code"] == "UNKNOWN_ACCOUNT"
        empty = await gw.client.get("/api/v1/events", headers={"Last-Event-ID": "0"})
        assert empty.status_code == 200
        assert sse_events(empty.text) == []


async def test_the_kill_switch_reports_confirmed_cancels(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        paper(gw).broker.set_price("NSE:SBIN", "800")
        first, _ = await place_limit(gw)
        second, _ = await place_limit(gw)
        response = await gw.client.post(
            "/api/v1/kill-switch",
            json={"reason": "drill", "cancel_open_orders": True},
        )
        assert response.status_code == 200, response.text
        cancels = response.json()["data"]["cancelled"]
        [result] = cancels
        assert sorted(result["data"]["cancelled"]) == sorted([first, second])
        assert result["data"]["confirmed"] == {first: "CANCELLED", second: "CANCELLED"}
        history = (await gw.client.get(f"/api/v1/orders/paper/{first}/events")).json()
        assert [e["status"] for e in history["data"]][-1] == "CANCELLED"


async def test_sse_resumes_across_a_server_restart(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        paper(gw).broker.set_price("NSE:SBIN", "800")
        first, _ = await place_limit(gw)
        second, _ = await place_limit(gw)
        await watcher(gw).poll_once()
        seen = sse_events((await gw.client.get("/api/v1/events")).text)
        assert [e["order_id"] for e in seen] == [first, second]
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        # The paper book is new after a restart; the event log is not.
        assert gw.runtime.events.last_id == seen[-1]["id"]
        resumed = await gw.client.get(
            "/api/v1/events", headers={"Last-Event-ID": str(seen[0]["id"])}
        )
        assert [e["id"] for e in sse_events(resumed.text)] == [seen[1]["id"]]
        future = await gw.client.get(
            "/api/v1/events", headers={"Last-Event-ID": str(seen[-1]["id"] + 1)}
        )
        assert future.json()["error_code"] == "LAST_EVENT_ID_IN_FUTURE"
