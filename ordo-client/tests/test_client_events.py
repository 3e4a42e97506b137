"""The SDK's event iterators against the in-process gateway: events in order, resume
after a reconnect with ``Last-Event-ID`` (nothing lost, nothing repeated), and the SSE
parser's edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fastapi import FastAPI
from ordo.events.model import EventStatus, OrderUpdate
from ordo_client import AsyncOrdo, RetryPolicy
from ordo_client.config import resolve_config
from ordo_client.events import SSEParser, aiter_events

from .conftest import TOKEN, build_app


async def record(app: FastAPI, order_id: str, status: EventStatus) -> None:
    update = OrderUpdate(account="paper", broker="mock", order_id=order_id, status=status)
    assert await app.state.ordo.events.record(update) is not None


def test_the_parser_joins_data_lines_and_skips_comments() -> None:
    parser = SSEParser()
    lines = [": hello", "retry: 1000", "id: 7", "event: order", "data: {", "data: }", ""]
    out = [parser.feed(line) for line in lines]
    assert out[:-1] == [None] * 6
    assert out[-1] == ("7", "order", "{\n}")
    assert parser.feed("") is None


async def test_async_iterator_resumes_after_reconnects(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    async with app.router.lifespan_context(app):
        app.state.ordo.settings.events_stream_seconds = 0.01
        await record(app, "B1", EventStatus.OPEN)
        await record(app, "B1", EventStatus.FILLED)
        client = AsyncOrdo(
            "http://gateway.test",
            token=TOKEN,
            transport=httpx.ASGITransport(app=app),
            retry=RetryPolicy(max_attempts=1),
        )
        async with client:
            first = [e async for e in client.events(forever=False)]
            assert [(e["order_id"], e["status"]) for e in first] == [
                ("B1", "OPEN"),
                ("B1", "FILLED"),
            ]
            await record(app, "B2", EventStatus.REJECTED)
            # A new stream from the last id seen: only the newer event.
            later = [e async for e in client.events(last_event_id=first[-1]["id"], forever=False)]
            assert [(e["order_id"], e["status"]) for e in later] == [("B2", "REJECTED")]

            # forever=True reconnects on its own after each bounded stream ends.
            config = resolve_config(
                "http://gateway.test",
                TOKEN,
                timeout=5.0,
                verify=True,
                cert=None,
                retry=None,
                user_agent="t",
            )
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
            seen: list[int] = []
            stream = aiter_events(http, config, reconnect_seconds=0.0)
            async for event in stream:
                seen.append(event["id"])
                if len(seen) == 2:
                    await record(app, "B3", EventStatus.CANCELLED)
                if len(seen) == 4:
                    break
            await stream.aclose()
            await http.aclose()
            assert seen == sorted(seen)
            assert len(set(seen)) == 4
            statuses = [e["status"] for e in first] + [later[0]["status"]]
            assert json.dumps(statuses) == '["OPEN", "FILLED", "REJECTED"]'
