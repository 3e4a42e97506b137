"""m.Stock replies -> ``BrokerError``: envelope checks and table-driven error mapping.

m.Stock reports most business failures as HTTP 200 with an error envelope, wraps some
replies in a list of one, spells ``status`` several ways and names errors by Type A
``error_type`` or Type B ``errorcode``. Everything here is pure so it can be tested by table.
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
    InsufficientFunds,
    InvalidRequest,
    IpNotWhitelisted,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.adapters.http import retry_after_seconds
from ordo.adapters.ip_rejection import GENERIC_PATTERNS, IpRejection, ip_not_whitelisted

OK_STATUSES = frozenset({"success", "true", "ok"})
ERROR_STATUSES = frozenset({"error", "false"})
"""``status`` values meaning success, compared lower-cased: "success", "true", true, "True"."""
DEFAULT_RETRY_AFTER = 1.0


class Outcome(Enum):
    """Error classes whose meaning depends on whether the call was a write."""

    SERVER = "server"
    """The broker failed internally: a write may have taken effect, a read did not."""
    BACKEND = "backend"
    """The back end relayed a refusal: a write was rejected, a read could not be served."""


Target = type[BrokerError] | Outcome


@dataclass(frozen=True)
class MessageRule:
    """Broker messages are the only discriminator for some codes; match lower-cased text."""

    fragments: tuple[str, ...]
    target: Target


MESSAGE_RULES: tuple[MessageRule, ...] = (
    MessageRule(("too many requests", "rate limit"), RateLimited),
    MessageRule(
        ("fund limit insufficient", "insufficient fund", "insufficient balance"), InsufficientFunds
    ),
    MessageRule(
        ("order does not exsist", "order does not exist", "order not found"), OrderNotFound
    ),
    MessageRule(("ip address",), AuthFailed),
    MessageRule(("api is suspended", "api key", "subscription"), AuthFailed),
    MessageRule(("invalid username or password", "username or password"), AuthFailed),
    MessageRule(("-macm60", "otp is incorrect", "entered otp", "otp has been expired"), AuthFailed),
    MessageRule(("correct totp", "invalid totp"), AuthFailed),
    MessageRule(("rms:", "rms :"), OrderRejected),
    # The exchange link is down or the market closed: the order was refused, not malformed.
    MessageRule(("not connected to",), OrderRejected),
)
"""Checked after session and API-key codes, before the code tables."""

CODE_TABLE: Mapping[str, Target] = {
    # Type A error_type
    "TokenException": SessionExpired,
    "APIKeyException": AuthFailed,
    "InputException": InvalidRequest,
    "MiraeException": Outcome.BACKEND,
    "GeneralException": Outcome.SERVER,
    "VersionException": InvalidRequest,
    "DataException": Outcome.SERVER,
    # Type B errorcode (also seen on some Type A routes)
    "IA401": SessionExpired,
    "IA403": AuthFailed,
    "IA400": InvalidRequest,
    "IA404": InvalidRequest,
    "IA500": Outcome.SERVER,
    "MA400": InvalidRequest,
    "MA500": Outcome.BACKEND,
    "MA0034": OrderRejected,
    "RS-0111": InsufficientFunds,
    "RS-0034": OrderRejected,
    "RS-00093": OrderRejected,
    "400": InvalidRequest,
    "500": Outcome.SERVER,
}

PREFIX_TABLE: tuple[tuple[str, Target], ...] = (
    ("MA", Outcome.BACKEND),
    ("RS-", OrderRejected),
    ("IA", InvalidRequest),
)

IP_REJECTION_TEXTS: dict[str, str] = {
    r"primary and secondary ip address are not matching": "APIKeyException, HTTP 403: "
    '"Primary and Secondary IP Address are not matching with current IP address." '
    "(community report, fact sheet section 10)",
    **dict.fromkeys(GENERIC_PATTERNS, "wordings of other brokers (regulation fact sheet)"),
}
"""Patterns of m.Stock's "IP not allowed" answer and their sources: the defaults of the
``ip_rejection_patterns`` setting, checked before the API-key code that carries them."""

DEFAULT_IP_REJECTION = IpRejection(IP_REJECTION_TEXTS)

SESSION_CODES = frozenset({"TokenException", "IA401"})
API_KEY_CODES = frozenset({"APIKeyException", "IA403"})


def unwrap(body: Any) -> Any:
    """A JSON array holding exactly one envelope stands for that envelope."""
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict):
        return body[0]
    return body


def is_success(envelope: Mapping[str, Any]) -> bool:
    """Whether an envelope reports success, in any documented spelling of ``status``."""
    status = envelope.get("status")
    if str(status).strip().lower() not in OK_STATUSES:
        return False
    # Type B carries a code even beside a truthy status when something went wrong.
    code = envelope.get("errorcode")
    return code in (None, "", "None")


def _reports_error(envelope: Mapping[str, Any]) -> bool:
    """Whether ``status`` is a documented failure word (``error``; Type B ``false``)."""
    return str(envelope.get("status")).strip().lower() in ERROR_STATUSES


def envelope_code(envelope: Mapping[str, Any]) -> str:
    for key in ("error_type", "errorcode", "errorCode"):
        value = envelope.get(key)
        if value not in (None, "", "None"):
            return str(value).strip()
    return ""


def envelope_message(envelope: Mapping[str, Any]) -> str:
    message = envelope.get("message") or envelope.get("title") or ""
    details = envelope.get("errors")
    if isinstance(details, Mapping) and details:
        # ASP.NET validation problem body: {"errors": {"field": ["why", ...]}}
        parts = [f"{field}: {'; '.join(map(str, msgs))}" for field, msgs in details.items()]
        message = f"{message} ({', '.join(parts)})" if message else ", ".join(parts)
    return str(message).strip()


def _by_message(message: str) -> Target | None:
    lowered = message.lower()
    for rule in MESSAGE_RULES:
        if any(fragment in lowered for fragment in rule.fragments):
            return rule.target
    return None


def _by_code(code: str) -> Target | None:
    if code in CODE_TABLE:
        return CODE_TABLE[code]
    upper = code.upper()
    for prefix, target in PREFIX_TABLE:
        if upper.startswith(prefix):
            return target
    return None


def _by_status(http_status: int) -> Target:
    if http_status == 401:
        return SessionExpired
    if http_status == 403:
        return AuthFailed
    if http_status >= 500:
        return Outcome.SERVER
    if 400 <= http_status < 500:
        return InvalidRequest
    return Outcome.BACKEND


def classify(
    http_status: int,
    code: str,
    message: str,
    ip_rejection: IpRejection = DEFAULT_IP_REJECTION,
) -> Target:
    """Pick the error for one failed reply. Order matters: rate limits, a refused source
    address (it comes as an APIKeyException) and session problems first (they decide what
    the core does next), then specific messages, then the code tables, then the HTTP
    status."""
    if http_status == 429:
        return RateLimited
    if message and ip_rejection.matches(message):
        return IpNotWhitelisted
    if code in SESSION_CODES:
        return SessionExpired
    if code in API_KEY_CODES:
        return AuthFailed
    by_message = _by_message(message)
    if by_message is not None:
        return by_message
    by_code = _by_code(code) if code else None
    if by_code is Outcome.BACKEND and http_status >= 500:
        return Outcome.SERVER
    if by_code is not None:
        return by_code
    return _by_status(http_status)


def build_error(
    target: Target,
    message: str,
    *,
    code: str,
    write: bool,
    retry_after: float,
    account: str = "",
) -> BrokerError:
    broker_code = code or None
    if target is IpNotWhitelisted:
        return ip_not_whitelisted("m.Stock", account, message, broker_code=broker_code)
    if target is Outcome.SERVER:
        if write:
            return OutcomeUnknown(
                message or "m.Stock failed while handling the order", broker_code=broker_code
            )
        return BrokerUnavailable(message or "m.Stock failed internally", broker_code=broker_code)
    if target is Outcome.BACKEND:
        if write:
            return OrderRejected(message or "m.Stock refused the order", broker_code=broker_code)
        return BrokerUnavailable(message or "m.Stock back end error", broker_code=broker_code)
    assert isinstance(target, type)
    if target is RateLimited:
        return RateLimited(
            message or "m.Stock rate limit reached",
            retry_after=retry_after,
            broker_code=broker_code,
        )
    return target(message or target.__name__, broker_code=broker_code)


def error_from_reply(
    http_status: int,
    body: Any,
    *,
    write: bool,
    retry_after: str | None = None,
    account: str = "",
    ip_rejection: IpRejection = DEFAULT_IP_REJECTION,
) -> BrokerError | None:
    """The error a reply to a call of ``account`` stands for, or ``None`` when it is a
    success.

    ``body`` is the decoded JSON (or ``None`` when the body was not JSON). The body is checked
    even on HTTP 200, because m.Stock reports most failures that way.
    """
    envelope = unwrap(body)
    wait = retry_after_seconds(
        {"Retry-After": retry_after} if retry_after else {}, DEFAULT_RETRY_AFTER
    )
    if not isinstance(envelope, Mapping):
        if 200 <= http_status < 300 and http_status != 204:
            # An unreadable success: a write may have gone through, a read just failed.
            target: Target = Outcome.SERVER
            return build_error(
                target, "m.Stock sent an unreadable reply", code="", write=write, retry_after=wait
            )
        target = RateLimited if http_status == 429 else _by_status(http_status)
        return build_error(
            target, f"m.Stock answered HTTP {http_status}", code="", write=write, retry_after=wait
        )
    if 200 <= http_status < 300 and is_success(envelope):
        return None
    code = envelope_code(envelope)
    message = envelope_message(envelope)
    if 200 <= http_status < 300 and not code and not _reports_error(envelope):
        # Neither success nor a documented failure (a status word nobody documented, or
        # none): nothing says whether the broker acted.
        return build_error(
            Outcome.SERVER,
            f"m.Stock sent an envelope it does not document ({message or 'no status'})",
            code="",
            write=write,
            retry_after=wait,
        )
    target = classify(http_status, code, message, ip_rejection)
    return build_error(target, message, code=code, write=write, retry_after=wait, account=account)


def payload(body: Any) -> Any:
    """The ``data`` of a successful envelope; ``"None"`` and ``null`` both mean nothing."""
    envelope = unwrap(body)
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    if isinstance(data, str) and data.strip() in ("None", "null", ""):
        return None
    return data
