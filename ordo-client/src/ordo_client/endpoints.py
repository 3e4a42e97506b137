"""Every v1 endpoint: its route (method, path, query parameters) and a builder that turns
Python arguments into a ``Call``. Both clients call these builders, so a request is built,
and its answer parsed, in exactly one place.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import SecretStr, TypeAdapter

from ordo_client.admin import (
    Account,
    AuditPage,
    GatewayStatus,
    Health,
    KillSwitchChange,
    KillSwitchState,
    LoginStep,
    Plugin,
    RequestTrace,
)
from ordo_client.models import (
    CancelledOnAccount,
    ExitsOnAccount,
    Funds,
    Holding,
    Instrument,
    Order,
    OrderAck,
    OrderDetail,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    Position,
    Profile,
    Quote,
    SymbolError,
    Trade,
)
from ordo_client.protocol import Call, Reply
from ordo_client.results import FanoutResult, OrderResult, PortfolioResult
from ordo_client.retry import RetryMode

T = TypeVar("T")
R = TypeVar("R", bound=FanoutResult[Any])

Accounts = Sequence[str] | str | None
"""Account names (a list or a comma-separated string); ``None`` means every account."""


@dataclass(frozen=True)
class Route:
    """An endpoint as the server's OpenAPI document names it."""

    method: str
    path: str
    query: tuple[str, ...] = ()
    keyed: bool = False
    """Sends an ``Idempotency-Key``."""

    def url(self, **params: str) -> str:
        # Path parameters are quoted whole: an order id must never add a path segment.
        return self.path.format(**{k: quote(v, safe="") for k, v in params.items()})


HEALTH = Route("GET", "/health")
ACCOUNTS = Route("GET", "/api/v1/accounts")
LOGIN = Route("POST", "/api/v1/accounts/{account}/login")
LOGIN_ANSWER = Route("POST", "/api/v1/accounts/{account}/login/{challenge_id}")
LOGIN_RESEND = Route("POST", "/api/v1/accounts/{account}/login/{challenge_id}/resend")
LOGOUT = Route("DELETE", "/api/v1/accounts/{account}/session")
FUNDS = Route("GET", "/api/v1/funds", ("accounts",))
HOLDINGS = Route("GET", "/api/v1/holdings", ("accounts",))
POSITIONS = Route("GET", "/api/v1/positions", ("accounts",))
PORTFOLIO = Route("GET", "/api/v1/portfolio", ("accounts",))
QUOTES = Route("GET", "/api/v1/quotes", ("symbols", "accounts"))
INSTRUMENTS = Route("GET", "/api/v1/instruments/search", ("q", "limit", "accounts"))
PLACE_ORDER = Route("POST", "/api/v1/orders", keyed=True)
LIST_ORDERS = Route("GET", "/api/v1/orders", ("accounts",))
TRADES = Route("GET", "/api/v1/trades", ("accounts",))
PROFILE = Route("GET", "/api/v1/profile", ("accounts",))
GET_ORDER = Route("GET", "/api/v1/orders/{account}/{order_id}")
MODIFY_ORDER = Route("PATCH", "/api/v1/orders/{account}/{order_id}", keyed=True)
CANCEL_ORDER = Route("DELETE", "/api/v1/orders/{account}/{order_id}", keyed=True)
CANCEL_ALL = Route("POST", "/api/v1/orders/cancel-all", ("accounts",), keyed=True)
EXIT_POSITIONS = Route("POST", "/api/v1/positions/exit-all", ("accounts",), keyed=True)
ORDER_HISTORY = Route("GET", "/api/v1/orders/{account}/{order_id}/history")
KILL_SWITCH = Route("GET", "/api/v1/kill-switch")
KILL_SWITCH_ON = Route("POST", "/api/v1/kill-switch")
KILL_SWITCH_OFF = Route("DELETE", "/api/v1/kill-switch")
STATUS = Route("GET", "/api/v1/status")
AUDIT = Route("GET", "/api/v1/audit", ("request_id", "account", "kind", "since", "limit", "cursor"))
REQUEST_TRACE = Route("GET", "/api/v1/requests/{request_id}")
PLUGINS = Route("GET", "/api/v1/plugins", ("all",))
EVENTS = Route("GET", "/api/v1/events", ("accounts", "status"))
ORDER_EVENTS = Route("GET", "/api/v1/orders/{account}/{order_id}/events")

ROUTES: tuple[Route, ...] = (
    HEALTH,
    ACCOUNTS,
    LOGIN,
    LOGIN_ANSWER,
    LOGIN_RESEND,
    LOGOUT,
    FUNDS,
    HOLDINGS,
    POSITIONS,
    PORTFOLIO,
    QUOTES,
    INSTRUMENTS,
    PLACE_ORDER,
    LIST_ORDERS,
    TRADES,
    PROFILE,
    GET_ORDER,
    MODIFY_ORDER,
    CANCEL_ORDER,
    CANCEL_ALL,
    EXIT_POSITIONS,
    ORDER_HISTORY,
    KILL_SWITCH,
    KILL_SWITCH_ON,
    KILL_SWITCH_OFF,
    STATUS,
    AUDIT,
    REQUEST_TRACE,
    PLUGINS,
    EVENTS,
    ORDER_EVENTS,
)
"""Every endpoint the client speaks; the drift test holds it against the server's."""


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    # Building a TypeAdapter costs far more than using one: build each kind once.
    return TypeAdapter(kind)


def _data(kind: Any) -> Callable[[Reply], Any]:
    return lambda reply: _adapter(kind).validate_python(reply.body["data"])


def _fanout(result_type: type[R], **extra: Any) -> Callable[[Reply], R]:
    def parse(reply: Reply) -> R:
        return result_type.model_validate({**reply.body, "http_status": reply.status_code, **extra})

    return parse


def _accounts(accounts: Accounts) -> dict[str, str]:
    if accounts is None:
        return {}
    names = [a.strip() for a in accounts.split(",")] if isinstance(accounts, str) else accounts
    joined = ",".join(n for n in names if n)
    return {"accounts": joined} if joined else {}


def _account_list(accounts: Sequence[str] | str) -> list[str]:
    names = accounts.split(",") if isinstance(accounts, str) else list(accounts)
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise ValueError("place_order needs at least one account")
    return cleaned


def health() -> Call[Health]:
    return Call(HEALTH.method, HEALTH.url(), _data(Health))


def accounts() -> Call[list[Account]]:
    return Call(ACCOUNTS.method, ACCOUNTS.url(), _data(list[Account]))


def login(account: str) -> Call[LoginStep]:
    # Not idempotent: a second begin may send the user a second OTP.
    return Call(
        LOGIN.method, LOGIN.url(account=account), _data(LoginStep), retry=RetryMode.CONNECT_ONLY
    )


def answer_challenge(account: str, challenge_id: str, answer: str | SecretStr) -> Call[LoginStep]:
    secret = answer.get_secret_value() if isinstance(answer, SecretStr) else answer
    return Call(
        LOGIN_ANSWER.method,
        LOGIN_ANSWER.url(account=account, challenge_id=challenge_id),
        _data(LoginStep),
        body={"answer": secret},
        retry=RetryMode.CONNECT_ONLY,
    )


def resend_challenge(account: str, challenge_id: str) -> Call[LoginStep]:
    return Call(
        LOGIN_RESEND.method,
        LOGIN_RESEND.url(account=account, challenge_id=challenge_id),
        _data(LoginStep),
        retry=RetryMode.CONNECT_ONLY,
    )


def logout(account: str) -> Call[LoginStep]:
    return Call(LOGOUT.method, LOGOUT.url(account=account), _data(LoginStep))


def funds(accounts: Accounts = None) -> Call[FanoutResult[Funds]]:
    return Call(
        FUNDS.method,
        FUNDS.url(),
        _fanout(FanoutResult[Funds]),
        params=_accounts(accounts),
        fanout=True,
    )


def holdings(accounts: Accounts = None) -> Call[FanoutResult[list[Holding]]]:
    return Call(
        HOLDINGS.method,
        HOLDINGS.url(),
        _fanout(FanoutResult[list[Holding]]),
        params=_accounts(accounts),
        fanout=True,
    )


def positions(accounts: Accounts = None) -> Call[FanoutResult[list[Position]]]:
    return Call(
        POSITIONS.method,
        POSITIONS.url(),
        _fanout(FanoutResult[list[Position]]),
        params=_accounts(accounts),
        fanout=True,
    )


def portfolio(accounts: Accounts = None) -> Call[PortfolioResult]:
    return Call(
        PORTFOLIO.method,
        PORTFOLIO.url(),
        _fanout(PortfolioResult),
        params=_accounts(accounts),
        fanout=True,
    )


def quotes(
    symbols: Sequence[str] | str, accounts: Accounts = None
) -> Call[FanoutResult[list[Quote | SymbolError]]]:
    listed = symbols if isinstance(symbols, str) else ",".join(symbols)
    return Call(
        QUOTES.method,
        QUOTES.url(),
        _fanout(FanoutResult[list[Quote | SymbolError]]),
        params={"symbols": listed, **_accounts(accounts)},
        fanout=True,
    )


def search_instruments(
    query: str, limit: int = 20, accounts: Accounts = None
) -> Call[FanoutResult[list[Instrument]]]:
    return Call(
        INSTRUMENTS.method,
        INSTRUMENTS.url(),
        _fanout(FanoutResult[list[Instrument]]),
        params={"q": query, "limit": str(limit), **_accounts(accounts)},
        fanout=True,
    )


def place_order(
    order: OrderRequest, accounts: Sequence[str] | str, idempotency_key: str | None = None
) -> Call[OrderResult]:
    key = idempotency_key or new_idempotency_key()
    body = {**order.model_dump(mode="json"), "accounts": _account_list(accounts)}
    return Call(
        PLACE_ORDER.method,
        PLACE_ORDER.url(),
        _fanout(OrderResult, idempotency_key=key),
        body=body,
        idempotency_key=key,
        fanout=True,
    )


def list_orders(accounts: Accounts = None) -> Call[FanoutResult[list[Order]]]:
    return Call(
        LIST_ORDERS.method,
        LIST_ORDERS.url(),
        _fanout(FanoutResult[list[Order]]),
        params=_accounts(accounts),
        fanout=True,
    )


def trades(accounts: Accounts = None) -> Call[FanoutResult[list[Trade]]]:
    return Call(
        TRADES.method,
        TRADES.url(),
        _fanout(FanoutResult[list[Trade]]),
        params=_accounts(accounts),
        fanout=True,
    )


def profile(accounts: Accounts = None) -> Call[FanoutResult[Profile]]:
    return Call(
        PROFILE.method,
        PROFILE.url(),
        _fanout(FanoutResult[Profile]),
        params=_accounts(accounts),
        fanout=True,
    )


def get_order(account: str, order_id: str) -> Call[OrderDetail]:
    return Call(
        GET_ORDER.method, GET_ORDER.url(account=account, order_id=order_id), _data(OrderDetail)
    )


def modify_order(
    account: str, order_id: str, changes: OrderModification, idempotency_key: str | None = None
) -> Call[FanoutResult[OrderAck]]:
    body = changes.model_dump(mode="json", exclude_unset=True)
    if not body:
        raise ValueError("a modification must change at least one field")
    return Call(
        MODIFY_ORDER.method,
        MODIFY_ORDER.url(account=account, order_id=order_id),
        _fanout(FanoutResult[OrderAck]),
        body=body,
        idempotency_key=idempotency_key or new_idempotency_key(),
        fanout=True,
    )


def cancel_order(
    account: str, order_id: str, idempotency_key: str | None = None
) -> Call[FanoutResult[OrderAck]]:
    return Call(
        CANCEL_ORDER.method,
        CANCEL_ORDER.url(account=account, order_id=order_id),
        _fanout(FanoutResult[OrderAck]),
        idempotency_key=idempotency_key or new_idempotency_key(),
        fanout=True,
    )


def cancel_all(
    accounts: Accounts = None, idempotency_key: str | None = None
) -> Call[FanoutResult[CancelledOnAccount]]:
    return Call(
        CANCEL_ALL.method,
        CANCEL_ALL.url(),
        _fanout(FanoutResult[CancelledOnAccount]),
        params=_accounts(accounts),
        idempotency_key=idempotency_key or new_idempotency_key(),
        fanout=True,
    )


def exit_positions(
    accounts: Accounts = None, idempotency_key: str | None = None
) -> Call[FanoutResult[ExitsOnAccount]]:
    return Call(
        EXIT_POSITIONS.method,
        EXIT_POSITIONS.url(),
        _fanout(FanoutResult[ExitsOnAccount]),
        params=_accounts(accounts),
        idempotency_key=idempotency_key or new_idempotency_key(),
        fanout=True,
    )


def order_history(account: str, order_id: str) -> Call[list[OrderHistoryEntry]]:
    url = ORDER_HISTORY.url(account=account, order_id=order_id)
    return Call(ORDER_HISTORY.method, url, _data(list[OrderHistoryEntry]))


def kill_switch() -> Call[KillSwitchState]:
    return Call(KILL_SWITCH.method, KILL_SWITCH.url(), _data(KillSwitchState))


def engage_kill_switch(reason: str, cancel_open_orders: bool = False) -> Call[KillSwitchChange]:
    return Call(
        KILL_SWITCH_ON.method,
        KILL_SWITCH_ON.url(),
        _data(KillSwitchChange),
        body={"reason": reason, "cancel_open_orders": cancel_open_orders},
    )


def release_kill_switch(reason: str) -> Call[KillSwitchState]:
    return Call(
        KILL_SWITCH_OFF.method,
        KILL_SWITCH_OFF.url(),
        _data(KillSwitchState),
        body={"reason": reason},
    )


def status() -> Call[GatewayStatus]:
    return Call(STATUS.method, STATUS.url(), _data(GatewayStatus))


def audit(
    *,
    request_id: str | None = None,
    account: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Call[AuditPage]:
    given: dict[str, str | None] = {
        "request_id": request_id,
        "account": account,
        "kind": kind,
        "since": since.isoformat() if since else None,
        "limit": str(limit) if limit is not None else None,
        "cursor": cursor,
    }
    params = {k: v for k, v in given.items() if v is not None}
    return Call(AUDIT.method, AUDIT.url(), _data(AuditPage), params=params)


def request_trace(request_id: str) -> Call[RequestTrace]:
    return Call(REQUEST_TRACE.method, REQUEST_TRACE.url(request_id=request_id), _data(RequestTrace))


def order_events(account: str, order_id: str) -> Call[list[dict[str, Any]]]:
    url = ORDER_EVENTS.url(account=account, order_id=order_id)
    return Call(ORDER_EVENTS.method, url, _data(list[dict[str, Any]]))


def plugins(include_builtin: bool = False) -> Call[list[Plugin]]:
    params = {"all": "true"} if include_builtin else {}
    return Call(PLUGINS.method, PLUGINS.url(), _data(list[Plugin]), params=params)
