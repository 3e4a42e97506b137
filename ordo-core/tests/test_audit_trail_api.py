"""Audit events of a running gateway: api.request/api.response with the token's name, broker
calls, order outcomes; the database sink and ``GET /api/v1/audit``; both sinks across a
restart; a third-party sink through the same hook."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from ordo.audit.chain import verify_files
from ordo.audit.db_sink import DatabaseAuditSink
from ordo.audit.events import AuditEvent
from ordo.audit.files import audit_files
from ordo.config import AccountConfig, hash_token, load_settings
from ordo.hookspecs import hookimpl
from ordo.persistence import AuditRepository, Database
from ordo.plugins import create_plugins
from ordo_testing.server import gateway_in_process

DESK_TOKEN = "desk-token-7a1f0c93be"
BOT_TOKEN = "bot-token-55d2e8a7c1"
BUY = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1}


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_tokens=[
            {"name": "desk", "token": DESK_TOKEN},
            {"name": "bot", "sha256": hash_token(BOT_TOKEN)},
        ],
        accounts={"paper": AccountConfig(adapter="mock")},
        **extra,
    )


def file_events(tmp_path: Path) -> list[dict[str, Any]]:
    files = audit_files(tmp_path / "audit" / "audit.jsonl")
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line]


async def test_api_events_name_the_token_and_never_carry_it(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=DESK_TOKEN) as gw:
        await gw.client.get("/api/v1/accounts", headers={"X-Request-ID": "rq-desk"})
        await gw.client.get(
            "/api/v1/accounts",
            headers={"X-Request-ID": "rq-bot", "Authorization": f"Bearer {BOT_TOKEN}"},
        )
        await gw.client.get(
            "/api/v1/accounts",
            headers={"X-Request-ID": "rq-bad", "Authorization": "Bearer not-a-token"},
        )
        page = (await gw.client.get("/api/v1/audit", params={"kind": "api.*"})).json()
    events = page["data"]["events"]
    by_request = {(e["request_id"], e["kind"]): e for e in events}
    assert by_request[("rq-desk", "api.request")]["actor"] == "desk"
    response = by_request[("rq-desk", "api.response")]
    assert response["actor"] == "desk"
    assert response["payload"]["status"] == 200
    assert response["payload"]["method"] == "GET"
    assert response["payload"]["path"] == "/api/v1/accounts"
    assert response["payload"]["route"] == "/api/v1/accounts"
    assert response["payload"]["elapsed_ms"] > 0
    assert by_request[("rq-bot", "api.response")]["actor"] == "bot"
    assert by_request[("rq-bad", "api.response")]["actor"] is None
    assert by_request[("rq-bad", "api.response")]["payload"]["status"] == 401
    text = json.dumps(file_events(tmp_path))
    assert DESK_TOKEN not in text
    assert BOT_TOKEN not in text
    assert "not-a-token" not in text


async def test_an_order_is_audited_end_to_end_under_one_request_id(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=DESK_TOKEN) as gw:
        placed = await gw.client.post(
            "/api/v1/orders", json={**BUY, "accounts": ["paper"]}, headers={"X-Request-ID": "o-1"}
        )
        assert placed.status_code == 200, placed.json()
        page = (await gw.client.get("/api/v1/audit", params={"request_id": "o-1"})).json()
    kinds = [e["kind"] for e in page["data"]["events"]]
    assert kinds[0] == "api.request"
    assert kinds[-1] == "api.response"
    assert "broker.request" in kinds
    assert "broker.response" in kinds
    assert "order.outcome" in kinds
    place = next(
        e
        for e in page["data"]["events"]
        if e["kind"] == "broker.request" and e["payload"]["operation"] == "place_order"
    )
    assert place["account"] == "paper"
    assert place["actor"] == "desk"
    assert all(e["request_id"] == "o-1" for e in page["data"]["events"])
    assert all(e["ts"].endswith("Z") and len(e["ts"]) == 24 for e in page["data"]["events"])


async def test_audit_query_filters_and_pages(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=DESK_TOKEN) as gw:
        for i in range(3):
            await gw.client.get("/api/v1/funds", headers={"X-Request-ID": f"f-{i}"})
        first = (
            await gw.client.get("/api/v1/audit", params={"kind": "api.response", "limit": 2})
        ).json()["data"]
        assert len(first["events"]) == 2
        assert first["next_cursor"]
        second = (
            await gw.client.get(
                "/api/v1/audit",
                params={"kind": "api.response", "limit": 2, "cursor": first["next_cursor"]},
            )
        ).json()["data"]
        ids = [e["id"] for e in first["events"] + second["events"]]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        broker = (
            await gw.client.get("/api/v1/audit", params={"kind": "broker.*", "account": "paper"})
        ).json()["data"]["events"]
        assert broker
        assert all(e["kind"].startswith("broker.") for e in broker)
        latest = broker[-1]["ts"]
        since = (
            await gw.client.get("/api/v1/audit", params={"since": latest, "kind": "broker.*"})
        ).json()["data"]["events"]
        assert since
        assert all(e["ts"] >= latest for e in since)
        none = (await gw.client.get("/api/v1/audit", params={"account": "ghost"})).json()
        assert none["data"] == {"events": [], "next_cursor": None}
        bad = await gw.client.get("/api/v1/audit", params={"cursor": "abc"})
        assert bad.status_code == 422
        assert bad.json()["error_code"] == "INVALID_CURSOR"
        too_many = await gw.client.get("/api/v1/audit", params={"limit": 5000})
        assert too_many.status_code == 422
        anonymous = await gw.client.get("/api/v1/audit", headers={"Authorization": ""})
        assert anonymous.status_code == 401


async def test_both_sinks_survive_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with gateway_in_process(settings, token=DESK_TOKEN) as gw:
        await gw.client.get("/api/v1/funds", headers={"X-Request-ID": "before"})
    async with gateway_in_process(settings, token=DESK_TOKEN) as gw:
        await gw.client.get("/api/v1/funds", headers={"X-Request-ID": "after"})
        old = (await gw.client.get("/api/v1/audit", params={"request_id": "before"})).json()
        assert next(e["kind"] for e in old["data"]["events"]) == "api.request"
    report = verify_files(audit_files(tmp_path / "audit" / "audit.jsonl"))
    assert report.ok
    assert report.starts_at_genesis
    seqs = [e["seq"] for e in file_events(tmp_path)]
    assert seqs == list(range(len(seqs)))
    assert {"before", "after"} <= {e["request_id"] for e in file_events(tmp_path)}


class Collector:
    """A third-party sink: the same hook the built-in sinks implement."""

    __name__ = "test-collector"

    def __init__(self) -> None:
        self.kinds: list[str] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.kinds.append(event.kind)


async def test_a_third_party_sink_sees_every_event(tmp_path: Path) -> None:
    collector = Collector()
    settings = settings_for(tmp_path)
    plugins = create_plugins(allow=["mock"], extra_plugins=[collector])
    async with gateway_in_process(settings, token=DESK_TOKEN, plugins=plugins) as gw:
        await gw.client.get("/api/v1/funds")
    assert "api.request" in collector.kinds
    assert "broker.response" in collector.kinds
    # The built-in sinks unregister on stop; the third-party one stays registered.
    assert not [n for n, _ in plugins.pm.list_name_plugin() if n.startswith("ordo.audit.")]


async def test_database_sink_batches_off_the_request_path(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    await db.create_all()
    sink = DatabaseAuditSink(db, batch_size=7)
    sink.start()
    for i in range(20):
        sink.audit_event(AuditEvent(kind="k", payload={"i": i}))
    await sink.flush()
    async with db.session() as s:
        page = await AuditRepository(s).query(limit=100)
    assert [r.payload["i"] for r in page.items] == list(range(20))
    sink.audit_event(AuditEvent(kind="late"))
    await sink.stop()
    async with db.session() as s:
        page = await AuditRepository(s).query(kind="late")
    assert len(page.items) == 1
    await db.dispose()


async def test_database_sink_drops_and_counts_when_full_or_failing(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")  # no tables: writes fail
    dropped: list[int] = []
    sink = DatabaseAuditSink(db, max_queue=3, on_drop=dropped.append)
    for i in range(5):  # not started: the queue fills up
        sink.audit_event(AuditEvent(kind="k", payload={"i": i}))
    assert sink.dropped == 2
    sink.start()
    await asyncio.wait_for(sink.flush(), 5)
    assert sink.dropped == 5
    assert sum(dropped) == 5
    await sink.stop()
    await db.dispose()
