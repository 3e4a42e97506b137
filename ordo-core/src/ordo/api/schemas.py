"""Typed ``data`` of every success response, for the OpenAPI document.

The routes build their JSON from domain objects; these models say what that JSON is, so a
client generated from the document gets real types instead of free-form objects. The
contract test (schemathesis) checks every response against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ordo.domain import Funds, Holding, OrderStatus, Position
from ordo.domain.protection import SentForm
from ordo.domain.slicing import SlicedLeg

SessionStateName = Literal["none", "pending_challenge", "active", "expired"]


class _Open(BaseModel):
    """A response object that may grow fields in a minor version."""

    model_config = ConfigDict(extra="allow")


class Health(_Open):
    status: Literal["ok"]
    version: str


class AccountInfo(_Open):
    name: str
    adapter: str
    display_name: str
    capabilities: list[str]
    market_protection: Literal["field", "limit"] = Field(
        description="How the broker takes MARKET and SL-M orders: its own protection field "
        "(`field`), or a LIMIT (SL) Ordo prices from a fresh quote (`limit`)."
    )
    session_state: SessionStateName
    unattended_login: bool = Field(
        description="Whether the account logs in by itself (at start, after a broker 401 "
        "and daily): a TOTP seed (and PIN where needed) in its config or adapter settings."
    )
    logged_in_at: datetime | None
    expires_at: datetime | None


class ChallengeInfo(_Open):
    challenge_id: str
    kind: str = Field(examples=["otp"])
    prompt: str
    expires_at: datetime
    url: str | None = None
    resendable: bool = False


class SessionInfo(_Open):
    logged_in_at: datetime
    expires_at: datetime | None = None


class LoginStep(_Open):
    """Where a login stands: a challenge to answer, an active session, or none."""

    state: SessionStateName
    challenge: ChallengeInfo | None = None
    session: SessionInfo | None = None


class CancelFailure(_Open):
    order_id: str | None = None
    error_code: str | None = None
    message: str | None = None


class CancelledOnAccount(_Open):
    cancelled: list[str] = Field(default_factory=list)
    failed: list[CancelFailure] = Field(default_factory=list)


class PositionExit(_Open):
    """One position's exit: the order sent to flatten it, or why it was not."""

    exchange: str
    symbol: str
    product: str
    position_quantity: int = Field(description="The net quantity read: positive long.")
    side: Literal["BUY", "SELL"]
    quantity: int
    status: Literal["success", "error", "unknown"]
    order_id: str | None = Field(
        default=None, description="The exit order's broker id; null when it was sliced."
    )
    tag: str | None = Field(default=None, description="The exit order's Ordo tag.")
    sliced: SlicedLeg | None = Field(
        default=None,
        description="Set when the exit was above the exchange freeze quantity and went as "
        "child orders of at most that quantity: each child's tag, status and order id.",
    )
    pending_order_ids: list[str] = Field(
        default_factory=list,
        description="Open orders already closing part of the position: their quantity was "
        "left out of the exit (a position they cover fully gets quantity 0, nothing sent).",
    )
    error_code: str | None = None
    message: str | None = None


class ExitsOnAccount(_Open):
    positions: list[PositionExit] = Field(
        default_factory=list, description="One entry per open position; none when flat."
    )


class CancelLeg(_Open):
    account: str
    broker: str
    status: Literal["success", "error", "unknown"]
    data: CancelledOnAccount | None = None
    error_code: str | None = None
    message: str = ""
    retryable: bool = False


class KillSwitchInfo(_Open):
    active: bool
    reason: str | None
    actor: str | None
    changed_at: datetime | None
    cancelled: list[CancelLeg] | None = Field(
        default=None, description="With cancel_open_orders: each account's cancels."
    )


class OrderAckData(_Open):
    """A broker's acknowledgement of a place, modify or cancel."""

    order_id: str
    status: OrderStatus
    message: str = ""
    tag: str | None = None
    reconciled: bool | None = None
    margin_source: Literal["broker", "estimate"] | None = Field(
        default=None,
        description="What the pre-trade funds check valued a placed order with: the "
        "broker's margin calculator, or the local estimate (price x quantity); null when "
        "funds were not checked (a sell, or an adapter without funds).",
    )
    sent: SentForm | None = Field(
        default=None,
        description="What was actually sent for a MARKET or SL-M order: the order with the "
        "broker's protection field, or a protected LIMIT (SL) and its price; absent for "
        "LIMIT and SL orders, which go as asked.",
    )


class LedgerLeg(_Open):
    account: str
    adapter: str
    leg: int
    state: str
    broker_tag: str | None
    broker_order_id: str | None
    request: dict[str, Any] | None
    response: dict[str, Any] | None
    error_code: str | None
    message: str | None
    created_at: datetime | None
    updated_at: datetime | None
    order_status: str | None = Field(
        default=None, description="The order's latest status from its order events."
    )
    last_event_id: int | None = Field(default=None, description="Its latest order event.")
    rejected_after_ack: bool = Field(
        default=False, description="The broker rejected the order after acknowledging it."
    )
    algo_name: str | None = Field(
        default=None, description="algo_name of the API token that placed the leg."
    )
    algo_id: str | None = Field(
        default=None, description="algo_id of the API token that placed the leg."
    )


class RequestTrace(_Open):
    request_id: str
    legs: list[LedgerLeg]


class AuditEventOut(_Open):
    id: int
    ts: datetime
    kind: str
    request_id: str | None
    actor: str | None
    account: str | None
    payload: dict[str, Any]


class AuditPage(_Open):
    events: list[AuditEventOut]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page.")


class PluginInfo(_Open):
    name: str
    version: str | None
    distribution: str | None
    hooks: list[str]
    adapters: list[str]
    capabilities: dict[str, list[str]]
    load_error: str | None
    builtin: bool


class LastCall(_Open):
    operation: str
    at: datetime
    outcome: str
    error_code: str | None


class BreakerInfo(_Open):
    state: Literal["CLOSED", "OPEN", "HALF_OPEN"]


class RateWindow(_Open):
    scope: str
    max_calls: int
    period: float
    available: int | None = None


class EgressStatus(_Open):
    """Where an account's broker calls leave from and whether the IP they leave from is
    one the broker has on file."""

    route: str = Field(description="'source <ip>', 'proxy <url>' or 'default route'.")
    source_address: str | None = None
    proxy: str | None = Field(default=None, description="Proxy URL, never with credentials.")
    registered_ips: list[str]
    family: str | None = None
    observed_ip: str | None = Field(
        default=None, description="The IP last observed through the egress (IP echo)."
    )
    state: Literal["match", "drift", "unknown"]
    checked_at: datetime | None = None
    problem: str | None = Field(default=None, description="Why unknown, or the drift.")
    blocking: bool = Field(
        default=False, description="Orders on the account are refused with IP_NOT_WHITELISTED."
    )


class AccountStatus(_Open):
    name: str
    adapter: str
    connection: str
    session_state: SessionStateName
    session_expires_at: datetime | None = None
    last_login_at: datetime | None = None
    last_success_at: datetime | None = None
    last_call: LastCall | None = None
    breaker: BreakerInfo | None = None
    rate_limits: list[RateWindow] = Field(default_factory=list)
    rate_limiter: dict[str, Any] | None = None
    egress: EgressStatus | None = Field(
        default=None, description="The account's egress; null when none is configured."
    )


class WebhookStatus(_Open):
    name: str
    url: str
    paused: bool
    consecutive_failures: int
    pending: int
    delivered: int
    last_error: str | None = None


class GatewayStatus(_Open):
    status: Literal["ok", "degraded"]
    version: str
    accounts: list[AccountStatus]
    webhooks: list[WebhookStatus] = []


class ConsolidatedPortfolio(_Open):
    funds: Funds
    holdings: list[Holding]
    positions: list[Position]
    accounts: list[Any]
