"""``GET /metrics``: Prometheus text, token rule, and each metric family observed for real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.metrics import OrdoMetrics
from ordo.orchestrator.accounts import AccountSet
from ordo_testing.server import gateway_in_process
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-0123456789"
BUY = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1, "accounts": ["paper"]}


def settings_for(tmp_path: Path, **extra: Any) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
        **extra,
    )


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


async def test_metrics_exposes_every_family(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path), token=TOKEN) as gw:
        placed = await gw.client.post("/api/v1/orders", json=BUY)
        order_id = placed.json()["results"][0]["data"]["order_id"]
        await gw.client.get(f"/api/v1/orders/paper/{order_id}")
        await gw.client.get("/api/v1/nothing-here")
        response = await gw.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert (
        value(
            found,
            "ordo_http_request_duration_seconds_count",
            method="POST",
            route="/api/v1/orders",
            status="200",
        )
        == 1
    )
    assert (
        value(
            found,
            "ordo_http_request_duration_seconds_count",
            method="GET",
            route="/api/v1/orders/{account}/{order_id}",
            status="200",
        )
        == 1
    )
    assert (
        value(
            found,
            "ordo_http_request_duration_seconds_count",
            method="GET",
            route="unmatched",
            status="404",
        )
        == 1
    )
    assert order_id not in response.text  # ids never become labels
    assert (
        value(
            found,
            "ordo_broker_call_duration_seconds_count",
            account="paper",
            adapter="mock",
            operation="place_order",
            outcome="success",
        )
        == 1
    )
    assert value(found, "ordo_order_outcomes_total", account="paper", status="acknowledged") == 1
    assert value(found, "ordo_breaker_state", account="paper", state="CLOSED") == 1
    assert value(found, "ordo_breaker_state", account="paper", state="OPEN") == 0
    assert value(found, "ordo_session_state", account="paper", state="active") == 1
    assert value(found, "ordo_session_state", account="paper", state="expired") == 0
    # Every guarded broker call went through the limiter, none had to wait long.
    waits = value(found, "ordo_rate_limiter_wait_seconds_count", account="paper")
    assert waits >= 2
    assert value(found, "ordo_rate_limiter_wait_seconds_bucket", account="paper", le="1.0") == waits


async def test_metrics_needs_a_token_unless_public(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path / "a"), token=TOKEN) as gw:
        refused = await gw.client.get("/metrics", headers={"Authorization": ""})
        assert refused.status_code == 401
        assert refused.json()["error_code"] == "UNAUTHORIZED"
    async with gateway_in_process(settings_for(tmp_path / "b", metrics_public=True)) as gw:
        served = await gw.client.get("/metrics")
        assert served.status_code == 200
        assert "ordo_session_state" in served.text


async def test_each_gateway_has_its_own_registry(tmp_path: Path) -> None:
    async with gateway_in_process(settings_for(tmp_path / "a"), token=TOKEN) as one:
        await one.client.get("/api/v1/funds")
        async with gateway_in_process(settings_for(tmp_path / "b"), token=TOKEN) as two:
            text = (await two.client.get("/metrics")).text
    assert 'route="/api/v1/funds"' not in text


def test_breaker_transitions_and_odd_states_are_bounded_labels(tmp_path: Path) -> None:
    metrics = OrdoMetrics(AccountSet(), _NoSessions())  # type: ignore[arg-type]
    metrics.audit_event(
        event=AuditEvent(
            kind="breaker.transition", account="a", payload={"old": "CLOSED", "new": "OPEN"}
        )
    )
    metrics.audit_event(
        event=AuditEvent(kind="order.outcome", account="a", payload={"state": "Bearer x.y.z"})
    )
    found = samples(metrics.exposition().decode())
    assert (
        value(
            found,
            "ordo_breaker_transitions_total",
            account="a",
            from_state="CLOSED",
            to_state="OPEN",
        )
        == 1
    )
    assert value(found, "ordo_order_outcomes_total", account="a", status="other") == 1


class _NoSessions:
    def state(self, account: object) -> None:
        raise AssertionError("no accounts, never asked")
