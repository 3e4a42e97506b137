"""The console's orders, request and audit pages and its event stream, in process: what
each shows, that each needs a console session (the stream answers 401, EventSource cannot
follow a redirect to a form), that the stream resumes like the API's, and that every bad
filter or id is a clear message on the page, never a stack trace."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.config import AccountConfig, load_settings
from ordo.events.watcher import OrderWatcher
from ordo_testing.console import sign_in
from ordo_testing.server import InProcessGateway, gateway_in_process

pytest.importorskip("ordo_adapter_mock")
from ordo_adapter_mock import MockAdapter
from ordo_adapter_mock.after_ack import fill_partly, reject_after_ack

TOKEN = "console-pages-token-0123456789"
REJECTION = "RMS: margin shortfall after revaluation"


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        console={"enabled": True},
        order_watch_interval_seconds=3600,
        events_stream_seconds=0.05,
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 5})},
        **extra,
    )


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gateway:
        adapter = gateway.runtime.accounts.get("paper").adapter
        assert isinstance(adapter, MockAdapter)
        adapter.broker.set_price("NSE:SBIN", "800")
        yield gateway


@pytest.fixture
async def browser(gw: InProcessGateway) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client without the bearer token, signed in to the console."""
    transport = httpx.ASGITransport(app=gw.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ordo.test") as client:
        signed_in = await sign_in(client, TOKEN)
        assert signed_in.status_code == 303, signed_in.text
        yield client


def broker(gw: InProcessGateway) -> Any:
    adapter = gw.runtime.accounts.get("paper").adapter
    assert isinstance(adapter, MockAdapter)
    return adapter.broker


def watcher(gw: InProcessGateway) -> OrderWatcher:
    return gw.runtime.watchers.running["paper"][1]


async def place(gw: InProcessGateway) -> tuple[str, str]:
    body = {
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 10,
        "order_type": "LIMIT",
        "price": "700",
        "accounts": ["paper"],
    }
    response = await gw.client.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    [leg] = response.json()["results"]
    return leg["data"]["order_id"], response.json()["request_id"]


def event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-event-id="(\d+)"', html)]


async def test_every_page_needs_a_session_and_the_stream_answers_401(
    gw: InProcessGateway,
) -> None:
    transport = httpx.ASGITransport(app=gw.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ordo.test") as anon:
        for path in ("/console/orders", "/console/requests/abc", "/console/audit"):
            page = await anon.get(path)
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/console/signin?next=")
        stream = await anon.get("/console/orders/events")
        assert stream.status_code == 401
        assert stream.text == "sign in to the console"
        # The API's bearer token is no console session.
        bearer = await anon.get(
            "/console/orders/events", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert bearer.status_code == 401


async def test_orders_page_lists_the_book_with_requests_and_marks_late_rejections(
    gw: InProcessGateway, browser: httpx.AsyncClient
) -> None:
    filled, filled_request = await place(gw)
    rejected, _ = await place(gw)
    assert await watcher(gw).poll_once() == 2
    fill_partly(broker(gw), filled, 10, Decimal("700"))
    reject_after_ack(broker(gw), rejected, REJECTION)
    assert await watcher(gw).poll_once() == 2

    page = await browser.get("/console/orders")
    assert page.status_code == 200
    html = page.text
    assert f'data-order="paper/{filled}"' in html
    assert f'data-order="paper/{rejected}" class="alert"' in html
    assert f"/console/requests/{filled_request}" in html
    ids = event_ids(html)
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 4
    # The stream resumes after the newest event the page shows.
    assert f'data-after="{max(ids)}"' in html
    assert html.count('data-after-ack="true"') == 1
    assert REJECTION in html

    one = await browser.get("/console/orders", params={"account": "paper"})
    assert one.status_code == 200
    assert event_ids(one.text) == ids
    assert 'data-stream-url="/console/orders/events?account=paper"' in one.text


async def test_an_unknown_account_is_named_on_the_page(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/console/orders", params={"account": "nosuch"})
    assert page.status_code == 404
    assert "nosuch" in page.text
    assert 'class="error" role="alert"' in page.text
    stream = await browser.get("/console/orders/events", params={"account": "nosuch"})
    assert stream.status_code == 404


async def test_the_stream_relays_the_event_log_and_resumes_like_the_api(
    gw: InProcessGateway, browser: httpx.AsyncClient
) -> None:
    await place(gw)
    await place(gw)
    assert await watcher(gw).poll_once() == 2
    stream = await browser.get("/console/orders/events", params={"after": "1"})
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["cache-control"] == "no-store"
    api = await gw.client.get("/api/v1/events", headers={"Last-Event-ID": "1"})
    frames = [b for b in stream.text.split("\n\n") if b.startswith("id: ")]
    assert frames == [b for b in api.text.split("\n\n") if b.startswith("id: ")]
    assert [f.split("\n")[0] for f in frames] == ["id: 2"]
    # EventSource's reconnect header wins over the page's first position.
    resumed = await browser.get(
        "/console/orders/events", params={"after": "0"}, headers={"Last-Event-ID": "2"}
    )
    assert [b for b in resumed.text.split("\n\n") if b.startswith("id: ")] == []
    for bad in ("x1", "999"):
        refused = await browser.get("/console/orders/events", params={"after": bad})
        assert refused.status_code == 422
        assert "Last-Event-ID" in refused.text
        assert "Traceback" not in refused.text


async def test_a_request_page_lists_legs_with_their_events(
    gw: InProcessGateway, browser: httpx.AsyncClient
) -> None:
    order_id, request_id = await place(gw)
    assert await watcher(gw).poll_once() == 1
    reject_after_ack(broker(gw), order_id, REJECTION)
    assert await watcher(gw).poll_once() == 1
    page = await browser.get(f"/console/requests/{request_id}")
    assert page.status_code == 200
    assert 'class="card leg alert"' in page.text
    assert "Rejected after acknowledgement" in page.text
    assert order_id in page.text
    assert len(event_ids(page.text)) == 2
    looked_up = await browser.get("/console/requests", params={"request_id": f" {request_id} "})
    assert looked_up.status_code == 200
    assert event_ids(looked_up.text) == event_ids(page.text)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"request_id": "no-such-request"}, 404, "no order legs were recorded for request"),
        ({"request_id": "a b<script>"}, 422, "A request id holds only letters"),
        ({"request_id": ""}, 422, "Enter a request id"),
    ],
)
async def test_bad_request_ids_are_named_on_the_page(
    browser: httpx.AsyncClient, query: dict[str, str], status: int, message: str
) -> None:
    page = await browser.get("/console/requests", params=query)
    assert page.status_code == status
    assert message in page.text
    assert "<script>" not in page.text
    assert "Traceback" not in page.text


async def test_audit_filters_and_pages(gw: InProcessGateway, browser: httpx.AsyncClient) -> None:
    _, first_request = await place(gw)
    await place(gw)
    page = await browser.get("/console/audit", params={"kind": "api.request", "limit": "1"})
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'data-audit-id="(\d+)"', page.text)]
    assert len(ids) == 1
    older = re.search(r'href="(/console/audit\?[^"]+)" rel="next"', page.text)
    assert older is not None
    assert "kind=api.request" in older[1]
    assert "limit=1" in older[1]
    second = await browser.get(older[1].replace("&amp;", "&"))
    later_ids = [int(i) for i in re.findall(r'data-audit-id="(\d+)"', second.text)]
    assert len(later_ids) == 1
    assert later_ids[0] < ids[0]  # newest first, the next page older
    assert ">Newest</a>" in second.text

    mine = await browser.get("/console/audit", params={"request_id": first_request})
    assert mine.status_code == 200
    assert "order.outcome" in mine.text
    assert f'title="{first_request}"' in mine.text

    empty = await browser.get(
        "/console/audit", params={"since": "2999-01-01T00:00", "account": "paper"}
    )
    assert empty.status_code == 200
    assert "No audit events match these filters." in empty.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "from &#39;yesterday&#39; is not a date and time"),
        ({"until": "2026-13-01T10:00"}, "is not a real date and time"),
        (
            {"since": "2026-01-30T10:00", "until": "2026-01-30T09:00"},
            "the time range is empty",
        ),
        ({"account": "<b>x</b>"}, "is not an account name"),
        ({"kind": "order;drop"}, "is not an event kind"),
        ({"limit": "100000"}, "must be a whole number from 1 to 500"),
        ({"cursor": "abc"}, "this page link is damaged"),
    ],
)
async def test_bad_audit_filters_are_named_on_the_page(
    browser: httpx.AsyncClient, query: dict[str, str], message: str
) -> None:
    page = await browser.get("/console/audit", params=query)
    assert page.status_code == 422
    assert 'id="audit-errors"' in page.text
    assert message in page.text
    assert 'id="audit-events"' not in page.text  # nothing listed under a bad filter
    assert "<b>x</b>" not in page.text
    assert "Traceback" not in page.text
