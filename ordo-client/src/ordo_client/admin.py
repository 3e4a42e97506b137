"""Typed models of the gateway itself: health, accounts, login steps, kill switch, status,
audit trail, request traces and plugins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from ordo_client.enums import ChallengeKind, SessionState
from ordo_client.models import ResponseModel, TracedLeg
from ordo_client.results import AccountResult


class Health(ResponseModel):
    status: str
    version: str


class Account(ResponseModel):
    """A configured account with its adapter and session state."""

    name: str
    adapter: str
    display_name: str = ""
    capabilities: list[str] = Field(default_factory=list)
    session_state: SessionState
    unattended_login: bool = False
    """The account logs in by itself (a TOTP seed, and PIN where needed, in its config)."""
    logged_in_at: datetime | None = None
    expires_at: datetime | None = None


class Plugin(ResponseModel):
    name: str
    version: str | None = None
    distribution: str | None = None
    hooks: list[str] = Field(default_factory=list)
    adapters: list[str] = Field(default_factory=list)
    capabilities: dict[str, list[str]] = Field(default_factory=dict)
    load_error: str | None = None
    builtin: bool = False


class Challenge(ResponseModel):
    """A login step that needs an answer: an OTP, a PIN, a redirected URL..."""

    challenge_id: str
    kind: ChallengeKind
    prompt: str
    expires_at: datetime
    url: str | None = None
    """For ``redirect_url``: open it in a browser, answer with the URL you land on."""
    resendable: bool = False


class SessionInfo(ResponseModel):
    logged_in_at: datetime
    expires_at: datetime | None = None


class LoginStep(ResponseModel):
    """Where a login stands: waiting for an answer to ``challenge``, active, or logged out."""

    state: SessionState
    challenge: Challenge | None = None
    session: SessionInfo | None = None

    @property
    def active(self) -> bool:
        return self.state is SessionState.ACTIVE


class KillSwitchState(ResponseModel):
    """While active, new and modified orders are refused; cancels still pass."""

    active: bool
    reason: str | None = None
    actor: str | None = None
    changed_at: datetime | None = None


class KillSwitchChange(KillSwitchState):
    """The kill switch after engaging it, with the outcome of cancelling open orders."""

    cancelled: list[AccountResult[Any]] = Field(default_factory=list)


class BreakerInfo(ResponseModel):
    """An account's circuit breaker: ``CLOSED``, ``OPEN`` or ``HALF_OPEN``; the counters the
    server adds are in ``model_extra``."""

    state: str


class LastCall(ResponseModel):
    """The last broker call an account made."""

    operation: str
    at: datetime
    outcome: str
    error_code: str | None = None


class EgressStatus(ResponseModel):
    route: str
    """``source <ip>``, ``proxy <url>`` or ``default route``."""
    source_address: str | None = None
    proxy: str | None = None
    registered_ips: list[str] = Field(default_factory=list)
    family: str | None = None
    observed_ip: str | None = None
    state: str
    """``match``, ``drift`` or ``unknown``."""
    checked_at: datetime | None = None
    problem: str | None = None
    blocking: bool = False
    """Orders on the account are refused with ``IP_NOT_WHITELISTED``."""


class AccountStatus(ResponseModel):
    name: str
    adapter: str
    connection: str
    """``up``, ``down`` or ``unknown`` (no call yet)."""
    session_state: SessionState
    session_expires_at: datetime | None = None
    last_login_at: datetime | None = None
    last_success_at: datetime | None = None
    last_call: LastCall | None = None
    breaker: BreakerInfo | None = None
    rate_limits: list[dict[str, Any]] = Field(default_factory=list)
    rate_limiter: dict[str, Any] | None = None
    egress: EgressStatus | None = None
    """Where the account's calls leave from; ``None`` when it has no egress configured."""


class WebhookStatus(ResponseModel):
    name: str
    url: str
    paused: bool = False
    consecutive_failures: int = 0
    pending: int = 0
    delivered: int = 0
    last_error: str | None = None


class GatewayStatus(ResponseModel):
    status: str
    """``ok`` or ``degraded``."""
    version: str
    accounts: list[AccountStatus] = Field(default_factory=list)
    webhooks: list[WebhookStatus] = Field(default_factory=list)


class AuditEvent(ResponseModel):
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    id: int | None = None
    timestamp: datetime = Field(alias="ts")
    request_id: str | None = None
    actor: str | None = None
    account: str | None = None
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict)


class AuditPage(ResponseModel):
    """One page of audit events; pass ``next_cursor`` back for the next page."""

    events: list[AuditEvent] = Field(default_factory=list)
    next_cursor: str | None = None


class RequestTrace(ResponseModel):
    request_id: str
    legs: list[TracedLeg] = Field(default_factory=list)
