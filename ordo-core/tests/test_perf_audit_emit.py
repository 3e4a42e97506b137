"""The cheaper audit emit: events built without re-validation, secrets kept longest first,
redaction's exact-type fast paths, sealing on the file writer's thread, and the metrics'
cached series."""

from __future__ import annotations

import threading
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from ordo.audit.chain import verify_files
from ordo.audit.events import AuditEmitter, AuditEvent, SecretRegistry
from ordo.audit.file_sink import FileAuditSink
from ordo.audit.redaction import REDACTED
from ordo.config.models import AuditConfig
from ordo.metrics import OrdoMetrics
from ordo.orchestrator.accounts import AccountSet
from prometheus_client.parser import text_string_to_metric_families

PLAIN = AuditConfig(rotation_bytes=10_000_000, retention=5, compression=None)


class Side(StrEnum):
    BUY = "BUY"


class _Hook:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def audit_event(self, *, event: AuditEvent) -> None:
        self.events.append(event)


def test_secret_registry_keeps_its_values_longest_first_until_they_change() -> None:
    registry = SecretRegistry()
    registry.add("abcdef1", None, "short", "abcdef1234")
    assert registry.ordered() == ("abcdef1234", "abcdef1")
    assert registry.ordered() is registry.ordered()
    registry.add("abcdefghijklmnop")
    assert registry.ordered()[0] == "abcdefghijklmnop"
    registry.discard("abcdef1234")
    assert registry.ordered() == ("abcdefghijklmnop", "abcdef1")
    assert registry.values() == frozenset({"abcdefghijklmnop", "abcdef1"})


def test_emit_redacts_every_kind_of_value() -> None:
    hook = _Hook()
    emitter = AuditEmitter(hook)
    emitter.secrets.add("s3cr3t-value")
    event = emitter.emit(
        "broker.request",
        request_id="r1",
        actor="desk",
        account="paper",
        side=Side.BUY,
        ok=True,
        qty=5,
        price=Decimal("1.5"),
        missing=None,
        note="with s3cr3t-value inside",
        order={"access_token": "abc", "legs": [{"pin": 1234}, "s3cr3t-value"]},
    )
    assert hook.events == [event]
    assert (event.kind, event.request_id, event.actor, event.account) == (
        "broker.request",
        "r1",
        "desk",
        "paper",
    )
    assert event.timestamp.tzinfo is not None
    assert event.payload == {
        "side": "BUY",
        "ok": True,
        "qty": 5,
        "price": Decimal("1.5"),
        "missing": None,
        "note": f"with {REDACTED} inside",
        "order": {"access_token": REDACTED, "legs": [{"pin": REDACTED}, REDACTED]},
    }
    # A rebuilt (validated) event is equal: emit skipped validation, not correctness.
    assert AuditEvent.model_validate(event.model_dump()) == event


def test_file_sink_seals_on_its_writer_thread_and_skips_an_unsealable_event(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    sink = FileAuditSink(path, PLAIN)
    assert sink.write(AuditEvent(kind="early")) is False
    sealed_on: set[str] = set()
    seal_all = sink._seal_all

    def watched(events: list[AuditEvent]) -> list[str]:
        sealed_on.add(threading.current_thread().name)
        return seal_all(events)

    sink._seal_all = watched  # type: ignore[method-assign]
    sink.start()
    try:
        for i in range(100):
            assert sink.write(AuditEvent(kind="k", payload={"i": i})) is True
        # Keys of mixed types cannot be sorted into a sealed line: skipped, chain intact.
        bad: dict[Any, Any] = {1: "a", "b": 2}
        sink.audit_event(AuditEvent.model_construct(kind="bad", payload=bad))
        sink.audit_event(AuditEvent(kind="after"))
    finally:
        sink.stop()
    assert sealed_on == {"ordo-audit-file"}
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 101
    assert '"kind":"after"' in lines[-1]
    report = verify_files([path])
    assert report.ok
    assert report.lines == 101


def test_http_series_are_cached_by_normalised_method() -> None:
    metrics = OrdoMetrics(AccountSet(), _NoSessions())  # type: ignore[arg-type]
    metrics.observe_request("FOO", "/x", 200, 0.001)
    metrics.observe_request("BAR", "/x", 200, 0.001)
    metrics.observe_request("GET", None, 404, 0.001)
    counts = {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
        if s.name == "ordo_http_request_duration_seconds_count"
    }
    assert counts == {("OTHER", "/x", "200"): 2.0, ("GET", "unmatched", "404"): 1.0}
    assert len(metrics._http_series) == 2


class _NoSessions:
    def state(self, account: object) -> None:
        raise AssertionError("no accounts, never asked")
