"""Table-driven mapping of InvestRight replies onto Ordo's ``BrokerError`` classes.

The API documents HTTP codes but no error body, and it can report an error with HTTP 200,
so success is judged from the body, and the error class from (in order) the proto error
code or name in the message, known phrases, then the HTTP status and the kind of call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.adapters.http import retry_after_seconds
from ordo.adapters.ip_rejection import GENERIC_PATTERNS, IpRejection, ip_not_whitelisted

_MAX_MESSAGE = 200


class CallKind(StrEnum):
    LOGIN = "login"
    """Login steps: a refusal means bad credentials, not an ended session."""
    READ = "read"
    WRITE = "write"
    """Place, modify, cancel: a server failure leaves the outcome unknown."""


@dataclass(frozen=True)
class Reply:
    """A broker HTTP reply, decoded as far as it goes."""

    status_code: int
    body: Any
    text: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


PROTO_ERROR_CODES: dict[str, tuple[int, type[BrokerError]]] = {
    "MarginUnavailable": (12001, InsufficientFunds),
    "OeOrderNotFound": (16060, OrderNotFound),
    "InvalidPrice": (16247, InvalidRequest),
    "OeMarketsClosed": (16278, OrderRejected),
    "RejectDueToExceededThrottleLimit": (20100, RateLimited),
}
"""The rejection codes the fact sheet names (proto ``ErrorCode``), by name and number."""

SESSION_PHRASES = (
    "unauthorized",
    "unauthorised",
    "invalid token",
    "token expired",
    "session expired",
    "invalid api_key",
    "invalid api key",
    "jwt expired",
)
PHRASES: tuple[tuple[tuple[str, ...], type[BrokerError]], ...] = (
    (("too many requests", "ratelimit", "rate limit", "throttle"), RateLimited),
    (("insufficient", "margin exceeds", "margin unavailable", "funds"), InsufficientFunds),
    (("order not found", "no such order", "order does not exist"), OrderNotFound),
    (
        ("invalid", "required", "missing", "must be", "multiple of", "maximum", "tick size"),
        InvalidRequest,
    ),
    (("reject", "rms", "markets closed", "market closed", "not allowed"), OrderRejected),
)

IP_REJECTION_TEXTS: dict[str, str] = {
    **dict.fromkeys(GENERIC_PATTERNS, "wordings of other brokers (regulation fact sheet)"),
    r"\bregistered static ip\b": "HDFC Sky blog on the 2026 rules (applies to InvestRight: "
    "UNCONFIRMED)",
}
"""Patterns of InvestRight's "IP not allowed" answer and their sources. Its status and text
are UNCONFIRMED, so these are only the defaults of the ``ip_rejection_patterns`` setting;
they are checked before the 401/403 rule that would read the reply as an ended session."""

DEFAULT_IP_REJECTION = IpRejection(IP_REJECTION_TEXTS)

_SERVER_ERRORS = frozenset({500, 502, 503, 504})


def broker_message(body: Any, text: str = "") -> str:
    """The most useful human text in an error reply, shortened."""
    if isinstance(body, Mapping):
        for key in ("message", "error", "status_message", "statusMsg", "msg", "errorMessage"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:_MAX_MESSAGE]
        meta = body.get("meta")
        if isinstance(meta, Mapping) and isinstance(meta.get("statusMsg"), str):
            return str(meta["statusMsg"])[:_MAX_MESSAGE]
    stripped = text.strip()
    if stripped and not stripped.startswith("<"):
        return stripped[:_MAX_MESSAGE]
    return ""


def body_reports_error(body: Any) -> bool:
    """Whether a decoded body says the call failed, whatever the HTTP code said."""
    if not isinstance(body, Mapping):
        return False
    status = body.get("status")
    if isinstance(status, str) and status.strip().lower() not in ("success", "ok"):
        return True
    if body.get("error"):
        return True
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        code = str(meta.get("statusCode", "OK")).strip().upper()
        return code not in ("OK", "200", "SUCCESS")
    return False


def _proto_match(message: str) -> tuple[str, type[BrokerError]] | None:
    lowered = message.lower()
    for name, (number, cls) in PROTO_ERROR_CODES.items():
        if name.lower() in lowered or re.search(rf"(?<!\d){number}(?!\d)", message):
            return name, cls
    return None


def _phrase_match(message: str) -> type[BrokerError] | None:
    lowered = message.lower()
    for phrases, cls in PHRASES:
        if any(phrase in lowered for phrase in phrases):
            return cls
    return None


def _build(
    cls: type[BrokerError], message: str, headers: Mapping[str, str], default_wait: float, code: str
) -> BrokerError:
    if cls is RateLimited:
        return RateLimited(
            message,
            retry_after=retry_after_seconds(headers, default_wait),
            broker_code=code or None,
        )
    return cls(message, broker_code=code or None)


SUCCESS_STATUSES = frozenset({"success", "ok"})
ERROR_STATUSES = frozenset({"error"})
"""``status`` words of an envelope; anything else is not a documented reply."""


def envelope_problem(body: Any) -> str | None:
    """Why a 2xx reply to a read or write is not a documented envelope, or ``None``.

    Documented: ``{"status": "success", "data": ...}``, ``{"data": ..., "meta":
    {"statusCode": "OK"}}`` (fetch-ltp), and the error shapes ``{"status": "error",
    "message"}``, ``{"error": ...}`` and a ``meta.statusCode`` other than OK."""
    if not isinstance(body, Mapping):
        return "the reply is not a JSON object (an HTML page, an empty or cut-off body)"
    status = body.get("status")
    if isinstance(status, str):
        word = status.strip().lower()
        if word in SUCCESS_STATUSES or word in ERROR_STATUSES:
            return None
        return f"undocumented status {status[:40]!r}"
    if body.get("error") or isinstance(body.get("meta"), Mapping):
        return None
    return "the reply has neither a status nor an error"


def classify(
    reply: Reply,
    kind: CallKind,
    *,
    not_found: type[BrokerError] = InvalidRequest,
    default_retry_after: float = 1.0,
    account: str = "",
    ip_rejection: IpRejection = DEFAULT_IP_REJECTION,
) -> BrokerError | None:
    """The error a reply to a call of ``account`` stands for, or ``None`` when it is a
    success."""
    status = reply.status_code
    if 200 <= status < 300 and kind is not CallKind.LOGIN:
        problem = envelope_problem(reply.body)
        if problem is not None:
            # Neither a success nor a documented failure: nothing says whether it acted.
            if kind is CallKind.WRITE:
                return OutcomeUnknown(f"unreadable reply to an order write: {problem}")
            return BrokerUnavailable(f"unreadable reply: {problem}")
    failed = status >= 400 or body_reports_error(reply.body)
    if not failed:
        return None
    message = broker_message(reply.body, reply.text) or f"HTTP {status}"
    code = str(status)
    lowered = message.lower()

    if status == 429:
        return _build(RateLimited, message, reply.headers, default_retry_after, code)
    if ip_rejection.matches(message):
        return ip_not_whitelisted("HDFC InvestRight", account, message, broker_code=code)
    if status in _SERVER_ERRORS or status > 504:
        if kind is CallKind.WRITE:
            return OutcomeUnknown(
                f"broker answered {status} to a write: {message}", broker_code=code
            )
        return BrokerUnavailable(f"broker answered {status}: {message}", broker_code=code)
    if any(phrase in lowered for phrase in SESSION_PHRASES) or status in (401, 403):
        if kind is CallKind.LOGIN:
            return AuthFailed(message, broker_code=code)
        return SessionExpired(message, broker_code=code)
    if kind is CallKind.LOGIN:
        limited = _phrase_match(message) is RateLimited
        cls: type[BrokerError] = RateLimited if limited else AuthFailed
        return _build(cls, message, reply.headers, default_retry_after, code)
    if status == 404:
        return _build(not_found, message, reply.headers, default_retry_after, code)

    proto = _proto_match(message)
    if proto is not None:
        return _build(proto[1], message, reply.headers, default_retry_after, proto[0])
    matched = _phrase_match(message)
    if matched is OrderNotFound and not_found is InvalidRequest:
        matched = InvalidRequest
    if matched is not None:
        return _build(matched, message, reply.headers, default_retry_after, code)
    # Nothing recognisable: a refused write is a rejection, a refused read a bad request.
    fallback: type[BrokerError] = OrderRejected if kind is CallKind.WRITE else InvalidRequest
    if status == 400:
        fallback = InvalidRequest
    return _build(fallback, message, reply.headers, default_retry_after, code)


def rejection_error(message: str) -> OrderRejected:
    """A rejection seen in the order book after a successful place."""
    proto = _proto_match(message)
    return OrderRejected(
        message or "order rejected by the broker", broker_code=proto[0] if proto else None
    )
