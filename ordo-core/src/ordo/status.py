"""The ``/status`` document (FR20): overall health and, per account, adapter, connection,
session, last login, last broker call, circuit breaker, rate-limit headroom and egress
(route, observed IP, ``match``/``drift``/``unknown``).

``build_status`` is pure: it takes what it reports. The breaker and limiter parts come as
plain snapshots (``AccountBreaker.snapshot()``, ``AccountLimiter.snapshot()``), so whoever
owns those objects decides what is passed; ``account_snapshots`` collects them from the
``breaker``/``limiter`` of each ``Account``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ordo.domain import SessionState
from ordo.orchestrator.accounts import Account

Connection = Literal["up", "down", "unknown"]
Snapshot = Mapping[str, Any]


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything ``/status`` reports about one account, gathered at one instant."""

    account: Account
    session_state: SessionState
    last_login_at: datetime | None = None
    breaker: Snapshot | None = None
    """``AccountBreaker.snapshot()``; ``None`` when the account has no breaker."""
    limiter: Snapshot | None = None
    """``AccountLimiter.snapshot()`` (with ``windows``); ``None`` when it has no limiter."""
    extra: Mapping[str, Any] = field(default_factory=dict)


def account_snapshots(
    accounts: Iterable[Account],
    session_state: Mapping[str, SessionState],
    last_login: Mapping[str, datetime],
) -> list[AccountSnapshot]:
    """Snapshots of ``accounts``, reading each one's breaker and limiter if it has them."""
    return [
        AccountSnapshot(
            account=account,
            session_state=session_state.get(account.name, SessionState.NONE),
            last_login_at=last_login.get(account.name),
            breaker=account.breaker.snapshot() if account.breaker is not None else None,
            limiter=account.limiter.snapshot() if account.limiter is not None else None,
        )
        for account in accounts
    ]


def connection_of(snapshot: AccountSnapshot) -> Connection:
    """``down`` when the breaker is open or the last call could not reach the broker,
    ``up`` when the broker answered the last call, ``unknown`` before any call."""
    if snapshot.breaker is not None and snapshot.breaker.get("state") == "OPEN":
        return "down"
    last = snapshot.account.last_call
    if last is None:
        return "unknown"
    # Only errors that say the broker could not be reached count; any other error (a
    # rejection, a bad symbol) proves the broker is up.
    if last.outcome != "success" and last.broker_down:
        return "down"
    return "up"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def rate_limits_of(snapshot: AccountSnapshot) -> list[dict[str, Any]]:
    """Headroom of each quota window; the adapter's declared quotas (headroom unknown)
    when the account has no limiter."""
    if snapshot.limiter is not None:
        return [dict(window) for window in snapshot.limiter.get("windows", [])]
    return [
        {
            "scope": limit.scope.value,
            "max_calls": limit.max_calls,
            "period": limit.period,
            "available": None,
        }
        for limit in snapshot.account.adapter.rate_limits
    ]


def account_status(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The ``/status`` entry of one account."""
    account = snapshot.account
    session = account.adapter.session
    last = account.last_call
    limiter = (
        {k: v for k, v in snapshot.limiter.items() if k not in ("windows", "account")}
        if snapshot.limiter is not None
        else None
    )
    return {
        "name": account.name,
        "adapter": account.adapter_id,
        "connection": connection_of(snapshot),
        "session_state": snapshot.session_state.value,
        "session_expires_at": _iso(session.expires_at) if session is not None else None,
        "last_login_at": _iso(snapshot.last_login_at),
        "last_success_at": _iso(account.last_success),
        "last_call": None
        if last is None
        else {
            "operation": last.operation,
            "at": last.at.isoformat(),
            "outcome": last.outcome,
            "error_code": last.error_code,
        },
        "breaker": dict(snapshot.breaker) if snapshot.breaker is not None else None,
        "rate_limits": rate_limits_of(snapshot),
        "rate_limiter": limiter,
        "egress": account.egress.as_status() if account.egress is not None else None,
        **dict(snapshot.extra),
    }


def is_healthy(entry: Mapping[str, Any]) -> bool:
    breaker = entry.get("breaker")
    egress = entry.get("egress")
    return (
        entry["session_state"] == SessionState.ACTIVE.value
        and entry["connection"] != "down"
        and (breaker is None or breaker.get("state") == "CLOSED")
        # The broker refuses orders from an unregistered IP.
        and (egress is None or egress.get("state") != "drift")
    )


def build_status(snapshots: Iterable[AccountSnapshot], *, version: str) -> dict[str, Any]:
    """The status document: ``ok`` when every account has an active session, a reachable
    broker, a closed breaker and no egress drift; ``degraded`` otherwise."""
    accounts = [account_status(s) for s in snapshots]
    healthy = all(is_healthy(a) for a in accounts)
    return {"status": "ok" if healthy else "degraded", "version": version, "accounts": accounts}
