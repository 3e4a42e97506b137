"""The package's shape: both clients expose the same operations, every route is reachable,
the SDK never imports the server, and untyped server documents parse into the models."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import ordo_client
import pytest
from ordo_client import (
    AsyncOrdo,
    AuditPage,
    GatewayStatus,
    OrderModification,
    OrderRequest,
    Ordo,
    OrdoServerError,
    RetryPolicy,
)
from ordo_client.endpoints import ROUTES
from ordo_client.protocol import Reply

PACKAGE = Path(ordo_client.__file__).parent
ORDER = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1)
NO_RETRY = RetryPolicy(max_attempts=1)


def operations(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in {"close", "aclose", "call"}
    }


def test_sync_and_async_clients_offer_the_same_operations() -> None:
    sync_ops, async_ops = operations(Ordo), operations(AsyncOrdo)
    assert sync_ops == async_ops
    # ``events`` returns an async iterator (``async for``); every other operation is awaited.
    streams = {"events"}
    assert streams <= async_ops
    assert all(inspect.iscoroutinefunction(getattr(AsyncOrdo, n)) for n in async_ops - streams)
    assert "AsyncIterator" in str(inspect.signature(AsyncOrdo.events).return_annotation)
    for name in sync_ops:
        sync_sig = inspect.signature(getattr(Ordo, name))
        async_sig = inspect.signature(getattr(AsyncOrdo, name))
        assert list(sync_sig.parameters) == list(async_sig.parameters), name


def test_every_route_is_reachable_from_the_client() -> None:
    seen: set[tuple[str, str]] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        seen.add((request.method, request.url.path))
        body = {"status": "error", "request_id": "r", "error_code": "DOWN", "message": "down"}
        return httpx.Response(503, json=body)

    transport = httpx.MockTransport(answer)
    with Ordo("http://gw", token="t", transport=transport, retry=NO_RETRY) as ordo:
        calls: list[Callable[[], object]] = [
            ordo.health,
            ordo.accounts,
            lambda: ordo.login("a"),
            lambda: ordo.answer_challenge("a", "c", "1"),
            lambda: ordo.resend_challenge("a", "c"),
            lambda: ordo.logout("a"),
            ordo.funds,
            ordo.holdings,
            ordo.positions,
            ordo.portfolio,
            lambda: ordo.quotes("NSE:SBIN"),
            lambda: ordo.search_instruments("SB"),
            lambda: ordo.place_order(ORDER, "a"),
            ordo.orders,
            ordo.trades,
            ordo.profile,
            lambda: ordo.get_order("a", "1"),
            lambda: ordo.modify_order("a", "1", OrderModification(quantity=2)),
            lambda: ordo.cancel_order("a", "1"),
            ordo.cancel_all,
            ordo.exit_positions,
            lambda: ordo.order_history("a", "1"),
            ordo.kill_switch,
            lambda: ordo.engage_kill_switch("r"),
            lambda: ordo.release_kill_switch("r"),
            ordo.status,
            ordo.audit,
            lambda: ordo.request_trace("r"),
            ordo.plugins,
            lambda: ordo.order_events("a", "1"),
            lambda: next(ordo.events(forever=False)),
        ]
        for call in calls:
            with pytest.raises(OrdoServerError, match="DOWN"):
                call()
    ids = {"account": "a", "order_id": "1", "challenge_id": "c", "request_id": "r"}
    assert seen == {(r.method, r.url(**ids)) for r in ROUTES}


def test_the_sdk_never_imports_the_server() -> None:
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "ordo" or n.startswith("ordo.") for n in names), source.name


def test_status_document_parses() -> None:
    # The shape ordo.status.build_status produces.
    body = {
        "status": "degraded",
        "version": "0.1.0",
        "accounts": [
            {
                "name": "fyers-main",
                "adapter": "fyers",
                "connection": "down",
                "session_state": "expired",
                "session_expires_at": "2025-01-06T18:30:00+00:00",
                "last_login_at": None,
                "last_success_at": None,
                "last_call": {
                    "operation": "get_funds",
                    "at": "2025-01-06T09:15:00+00:00",
                    "outcome": "error",
                    "error_code": "BROKER_UNAVAILABLE",
                },
                "breaker": {"state": "OPEN", "failures": 5},
                "rate_limits": [{"scope": "orders", "limit": 10, "period": 1.0}],
                "rate_limiter": None,
            }
        ],
    }
    status = GatewayStatus.model_validate(body)
    account = status.accounts[0]
    assert status.status == "degraded"
    assert account.breaker is not None
    assert account.breaker.state == "OPEN"
    assert account.breaker.model_extra == {"failures": 5}
    assert account.last_call is not None
    assert account.last_call.error_code == "BROKER_UNAVAILABLE"


def test_audit_page_parses() -> None:
    body = {
        "events": [
            {
                "id": 7,
                "ts": "2025-01-06T09:15:00.123Z",
                "kind": "order.placed",
                "request_id": "r1",
                "actor": "desk",
                "account": "paper",
                "payload": {"price": "812.35"},
            }
        ],
        "next_cursor": "abc",
    }
    page = AuditPage.model_validate(body)
    event = page.events[0]
    assert (event.id, event.kind, event.timestamp.microsecond) == (7, "order.placed", 123000)
    assert Decimal(event.payload["price"]) == Decimal("812.35")
    assert page.next_cursor == "abc"
    assert Reply(200, httpx.Headers(), body).body is body
