"""Table-driven mapping of Fyers replies onto Ordo's ``BrokerError`` classes.

Precedence: rate limits first (HTTP 429 or code -429/-353), then a refused source address
(the message matches ``ip_rejection_patterns``: ``IP_NOT_WHITELISTED``), then the broker
``code`` table, then the HTTP status. Code -300 is an unknown symbol on REST, never an auth
failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
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

DEFAULT_RETRY_AFTER = 1.0


class Kind(Enum):
    """How a code is classified; ``TRANSIENT`` depends on whether the call was a write."""

    SESSION = "session"
    AUTH = "auth"
    INVALID = "invalid"
    ORDER_NOT_FOUND = "order_not_found"
    INSTRUMENT = "instrument"
    REJECTED = "rejected"
    RATE = "rate"
    TRANSIENT = "transient"
    """The broker failed to act or to answer: unavailable on a read, unknown on a write."""


@dataclass(frozen=True)
class CodeInfo:
    kind: Kind
    meaning: str


def _codes(kind: Kind, entries: Mapping[int, str]) -> dict[int, CodeInfo]:
    return {code: CodeInfo(kind, meaning) for code, meaning in entries.items()}


CODE_TABLE: dict[int, CodeInfo] = {
    **_codes(
        Kind.SESSION,
        {
            -8: "token expired",
            -15: "invalid token",
            -16: "could not authenticate the token",
            -17: "token invalid or expired",
        },
    ),
    **_codes(
        Kind.AUTH,
        {
            -352: "invalid app id",
            -371: "invalid appIdHash",
            -373: "permission missing for the app",
            -374: "authorization code missing",
            -441: "invalid grant type",
            -157: "user does not exist",
        },
    ),
    **_codes(
        Kind.INVALID,
        {
            -50: "invalid parameters",
            -53: "invalid position id",
            400: "invalid multileg input",
            -101: "invalid order type",
            -308: "invalid limit price",
            -309: "invalid stop price",
            -390: "invalid stop price",
            -310: "invalid quantity",
            -311: "invalid stop loss",
            -316: "invalid stop loss",
            -323: "invalid stop loss / BO only market or limit",
            -313: "invalid side",
            -314: "invalid product type",
            -315: "invalid stop-limit price",
            -325: "invalid target",
            -326: "invalid validity",
            -327: "invalid disclosed quantity",
            -328: "invalid offline-order flag",
            -305: "CO only market or limit",
            -392: "price not a multiple of the tick size",
            -372: "invalid price",
            -397: "position quantity is zero",
            -398: "no open positions",
            -399: "no pending orders",
        },
    ),
    **_codes(Kind.ORDER_NOT_FOUND, {-51: "invalid order id"}),
    **_codes(Kind.INSTRUMENT, {-300: "invalid symbol"}),
    **_codes(
        Kind.REJECTED,
        {
            -99: "order rejected",
            -159: "no such order",
            -161: "order already cancelled",
            -162: "order already traded",
            -163: "modification failed",
            -164: "order already rejected",
            -209: "invalid order number",
        },
    ),
    **_codes(Kind.RATE, {-429: "rate limit exceeded", -353: "API limit exceeded"}),
    **_codes(
        Kind.TRANSIENT,
        {
            -201: "connection failure, retry later",
            -202: "timeout, retry later",
            -204: "market did not accept, retry later",
            -205: "market did not accept, retry later",
            -96: "unexpected error",
            -329: "exit request processed, re-check positions",
            201: "request sent but not acknowledged; check the order book",
        },
    ),
}

IP_REJECTION_TEXTS: dict[str, str] = {
    **dict.fromkeys(GENERIC_PATTERNS, "wordings of other brokers (regulation fact sheet)"),
    r"\bwhitelisted static ip\b": "support.fyers.in: orders only from the whitelisted static IP",
}
"""Patterns of Fyers's "IP not allowed" answer and where each comes from. The exact text is
UNCONFIRMED (fact sheet), so these are only the defaults of ``ip_rejection_patterns``."""

DEFAULT_IP_REJECTION = IpRejection(IP_REJECTION_TEXTS)

NO_ACK_CODE = 201
"""An order reply with this code was sent but not acknowledged: check the book before
sending again."""

_FUNDS_WORDS = ("insufficient", "margin", "shortfall", "fund")


def broker_code(body: Mapping[str, Any]) -> int | None:
    """The envelope's ``code`` as an int, loosely (strings of digits count)."""
    code = body.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str):
        try:
            return int(code)
        except ValueError:
            return None
    return None


def _message(body: Mapping[str, Any], fallback: str) -> str:
    message = body.get("message") or body.get("errmsg")
    return str(message) if message else fallback


def error_from_reply(
    status: int,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    write: bool,
    account: str = "",
    ip_rejection: IpRejection = DEFAULT_IP_REJECTION,
) -> BrokerError:
    """The ``BrokerError`` for a failed Fyers reply (HTTP ``status``, JSON ``body``) to a
    call of ``account``."""
    code = broker_code(body)
    code_text = str(code) if code is not None else f"http_{status}"
    info = CODE_TABLE.get(code) if code is not None else None
    if status == 429 or (info is not None and info.kind is Kind.RATE):
        return RateLimited(
            _message(body, "rate limit exceeded"),
            retry_after=retry_after_seconds(headers, DEFAULT_RETRY_AFTER),
            broker_code=code_text,
        )
    message = _message(body, "")
    if message and ip_rejection.matches(message):
        return ip_not_whitelisted("Fyers", account, message, broker_code=code_text)
    if info is not None:
        return _error_for(info, _message(body, info.meaning), code_text, write=write)
    return _error_for_status(status, _message(body, f"HTTP {status}"), code_text, write=write)


def _error_for(info: CodeInfo, message: str, code: str, *, write: bool) -> BrokerError:
    kind = info.kind
    if kind is Kind.SESSION:
        return SessionExpired(message, broker_code=code)
    if kind is Kind.AUTH:
        return AuthFailed(message, broker_code=code)
    if kind is Kind.INVALID:
        return InvalidRequest(message, broker_code=code)
    if kind is Kind.ORDER_NOT_FOUND:
        return OrderNotFound(message, broker_code=code)
    if kind is Kind.INSTRUMENT:
        return InstrumentNotFound(message, broker_code=code)
    if kind is Kind.REJECTED:
        if code == "-99" and any(word in message.lower() for word in _FUNDS_WORDS):
            return InsufficientFunds(message, broker_code=code)
        return OrderRejected(message, broker_code=code)
    # Kind.TRANSIENT (Kind.RATE is handled by the caller): a write may have reached the
    # exchange, so only reconciliation can tell.
    if write:
        return OutcomeUnknown(message, broker_code=code)
    return BrokerUnavailable(message, broker_code=code)


def _error_for_status(status: int, message: str, code: str, *, write: bool) -> BrokerError:
    if status == 401:
        return SessionExpired(message, broker_code=code)
    if status == 403:
        return AuthFailed(message, broker_code=code)
    if status >= 500 or status < 200:
        if write:
            return OutcomeUnknown(message, broker_code=code)
        return BrokerUnavailable(message, broker_code=code)
    if write and status == 200:
        # The broker answered s:"error" with a code we do not know: it refused the order.
        return OrderRejected(message, broker_code=code)
    if 400 <= status < 500:
        return InvalidRequest(message, broker_code=code)
    if write:
        return OutcomeUnknown(message, broker_code=code)
    return BrokerUnavailable(message, broker_code=code)


def malformed_reply(detail: str, *, write: bool) -> BrokerError:
    """A reply that is not the documented shape: a read did not take effect, a write may
    have (only the order book can tell)."""
    if write:
        return OutcomeUnknown(f"Fyers reply to an order write was unreadable ({detail})")
    return BrokerUnavailable(f"Fyers reply was unreadable ({detail})")
