"""Prometheus metrics (``GET /metrics``), one ``CollectorRegistry`` per running gateway.

Label values are only ever account names, adapter ids, operation names, route templates,
fixed state words and, for egress, the configured route and the observed IP (one series per
account, from the config and Ordo's own observation): nothing a request carries verbatim,
so no secret can become a label and no client can blow up the number of series.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ordo.audit.events import AuditEvent
from ordo.domain import SessionState
from ordo.egress.state import EgressState
from ordo.hookspecs import hookimpl
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.sessions.manager import SessionManager

BREAKER_STATES = ("CLOSED", "OPEN", "HALF-OPEN")
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_WORD = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
UNMATCHED_ROUTE = "unmatched"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WAIT_BUCKETS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


def _word(value: Any) -> str:
    text = str(value).lower()
    return text if _WORD.match(text) else "other"


class OrdoMetrics:
    """The gateway's metrics and the registry that exposes them.

    Broker call latency arrives through ``observe_broker_call`` (a ``CallGuard``
    observer); order outcomes and breaker transitions through the ``audit_event`` hook
    (``order.outcome`` with ``state``, ``breaker.transition`` with ``old``/``new``); breaker and
    session state are read from the accounts at scrape time; the rate limiter's waits arrive
    through ``observe_limiter_wait``.
    """

    def __init__(self, accounts: AccountSet, sessions: SessionManager) -> None:
        self.registry = CollectorRegistry()
        self.http_duration = Histogram(
            "ordo_http_request_duration_seconds",
            "API request latency by route template.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.broker_duration = Histogram(
            "ordo_broker_call_duration_seconds",
            "Broker call latency by account and operation.",
            ["account", "adapter", "operation", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.order_outcomes = Counter(
            "ordo_order_outcomes",
            "Final order outcomes by account and state.",
            ["account", "status"],
            registry=self.registry,
        )
        self.breaker_transitions = Counter(
            "ordo_breaker_transitions",
            "Circuit-breaker state changes.",
            ["account", "from_state", "to_state"],
            registry=self.registry,
        )
        self.limiter_wait = Histogram(
            "ordo_rate_limiter_wait_seconds",
            "Time broker calls waited for the account's rate limiter.",
            ["account"],
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.order_events = Counter(
            "ordo_order_events",
            "Order events stored (after the acknowledgement) by account and status.",
            ["account", "status"],
            registry=self.registry,
        )
        self.rejected_after_ack = Counter(
            "ordo_orders_rejected_after_ack",
            "Orders the broker rejected after acknowledging them.",
            ["account"],
            registry=self.registry,
        )
        self.audit_dropped = Counter(
            "ordo_audit_events_dropped",
            "Audit events the database sink could not store (the file still has them).",
            registry=self.registry,
        )
        self.registry.register(_StateCollector(accounts, sessions))
        # Labelled series by their raw label values: ``labels()`` normalises, locks and
        # looks up on every call, and these two are observed on every request. The keys are
        # bounded like the series themselves (route templates, account names, operation
        # names from the code, normalised methods).
        self._http_series: dict[tuple[str, str | None, int], Any] = {}
        self._broker_series: dict[tuple[str, str, str, str], Any] = {}

    def count_per_account(
        self, name: str, documentation: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        """A counter by account whose values ``read`` returns at scrape time (counts kept
        by the component that sees the events, such as the order watchers)."""
        self.registry.register(_AccountCounts(name, documentation, read))

    # -- observations ------------------------------------------------------------------------
    def observe_request(self, method: str, route: str | None, status: int, seconds: float) -> None:
        """One API request; ``route`` is the matched template (``None``: no route matched)."""
        key = (method if method in _METHODS else "OTHER", route, status)
        series = self._http_series.get(key)
        if series is None:
            series = self._http_series[key] = self.http_duration.labels(
                key[0], route or UNMATCHED_ROUTE, str(status)
            )
        series.observe(seconds)

    def observe_broker_call(
        self, account: Account, operation: str, outcome: str, seconds: float
    ) -> None:
        """``CallGuard`` observer: one adapter call and how long it took."""
        key = (account.name, account.adapter_id, operation, outcome)
        series = self._broker_series.get(key)
        if series is None:
            series = self._broker_series[key] = self.broker_duration.labels(
                account.name, account.adapter_id, _word(operation), _word(outcome)
            )
        series.observe(seconds)

    def observe_limiter_wait(self, account: str, seconds: float) -> None:
        """Seconds one call waited for ``account``'s rate limiter."""
        self.limiter_wait.labels(account).observe(max(0.0, seconds))

    def count_dropped(self, count: int) -> None:
        self.audit_dropped.inc(count)

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        if event.kind == "order.outcome" and event.account:
            state = event.payload.get("state") or event.payload.get("status")
            self.order_outcomes.labels(event.account, _word(state)).inc()
        elif event.kind == "order.event" and event.account:
            self.order_events.labels(event.account, _word(event.payload.get("status"))).inc()
        elif event.kind == "order.rejected_after_ack" and event.account:
            self.rejected_after_ack.labels(event.account).inc()
        elif event.kind == "breaker.transition" and event.account:
            old, new = event.payload.get("old"), event.payload.get("new")
            self.breaker_transitions.labels(
                event.account, _breaker_word(old), _breaker_word(new)
            ).inc()

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


_EGRESS_STATE_HELP = "Observed egress IP vs registered IPs: match, drift, unknown (1 = current)."
_EGRESS_INFO_HELP = "Egress route and last observed IP of each account with an egress (always 1)."


def _breaker_word(value: Any) -> str:
    return str(value) if value in BREAKER_STATES else "other"


class _StateCollector(Collector):
    """Breaker and session state gauges, read at scrape time (always current, no bookkeeping
    to keep in step). One series per state with value 1 for the current one."""

    def __init__(self, accounts: AccountSet, sessions: SessionManager) -> None:
        self._accounts = accounts
        self._sessions = sessions

    def describe(self) -> Iterable[Metric]:
        return [
            GaugeMetricFamily("ordo_breaker_state", "Circuit-breaker state (1 = current)."),
            GaugeMetricFamily("ordo_session_state", "Broker session state (1 = current)."),
            GaugeMetricFamily("ordo_egress_state", _EGRESS_STATE_HELP),
            GaugeMetricFamily("ordo_egress_info", _EGRESS_INFO_HELP),
        ]

    def collect(self) -> Iterator[Metric]:
        breaker = GaugeMetricFamily(
            "ordo_breaker_state",
            "Circuit-breaker state (1 = current).",
            labels=["account", "state"],
        )
        session = GaugeMetricFamily(
            "ordo_session_state", "Broker session state (1 = current).", labels=["account", "state"]
        )
        egress_state = GaugeMetricFamily(
            "ordo_egress_state", _EGRESS_STATE_HELP, labels=["account", "state"]
        )
        egress_info = GaugeMetricFamily(
            "ordo_egress_info", _EGRESS_INFO_HELP, labels=["account", "route", "observed_ip"]
        )
        for account in self._accounts:
            if account.egress is not None:
                observed = account.egress
                for word in EgressState:
                    value = 1.0 if word is observed.state else 0.0
                    egress_state.add_metric([account.name, word.value], value)
                egress_info.add_metric(
                    [account.name, observed.egress.describe(), observed.observed_ip or ""], 1.0
                )
            if account.breaker is not None:
                current = account.breaker.state
                for state in BREAKER_STATES:
                    breaker.add_metric([account.name, state], 1.0 if state == current else 0.0)
            now = self._sessions.state(account)
            for candidate in SessionState:
                session.add_metric(
                    [account.name, candidate.value], 1.0 if candidate is now else 0.0
                )
        yield breaker
        yield session
        yield egress_state
        yield egress_info


class _AccountCounts(Collector):
    """A per-account counter read at scrape time."""

    def __init__(
        self, name: str, documentation: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._read = read

    def describe(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self._name, self._documentation)]

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=["account"])
        for account, count in sorted(self._read().items()):
            family.add_metric([account], float(count))
        yield family
