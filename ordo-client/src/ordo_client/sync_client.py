"""``Ordo``: the blocking client. Requests are built and answers parsed by the shared
``endpoints``/``protocol`` modules; this class only sends and sleeps."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from ordo_client import endpoints as api
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
from ordo_client.config import Cert, Verify, resolve_config
from ordo_client.events import iter_events
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
from ordo_client.protocol import Call, Sleep, exchange
from ordo_client.results import FanoutResult, OrderResult, PortfolioResult
from ordo_client.retry import RetryPolicy

T = TypeVar("T")


class Ordo:
    """A blocking client for the Ordo gateway.

    ``base_url`` and ``token`` default to ``ORDO_URL`` and ``ORDO_TOKEN``. ``verify`` takes
    ``True``, ``False``, a CA bundle path or an ``ssl.SSLContext``; ``cert`` a client
    certificate for mTLS. ``retry`` bounds the automatic retries (``RetryPolicy(max_attempts=1)``
    turns them off). ``transport`` replaces the network (tests). Use it as a context manager
    or call ``close()``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | SecretStr | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        verify: Verify = True,
        cert: Cert | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "ordo-client",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._config = resolve_config(
            base_url,
            token,
            timeout=timeout,
            verify=verify,
            cert=cert,
            retry=retry,
            user_agent=user_agent,
            env=env,
        )
        self._http = httpx.Client(
            timeout=self._config.timeout, verify=self._config.verify, transport=transport
        )

    @property
    def base_url(self) -> str:
        return self._config.base_url

    def __repr__(self) -> str:
        return f"Ordo(base_url={self._config.base_url!r})"

    def __enter__(self) -> Ordo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def call(self, call: Call[T]) -> T:
        """Send a prepared call, retrying as its policy allows."""
        steps = exchange(call, self._config)
        step = next(steps)
        while True:
            try:
                if isinstance(step, Sleep):
                    time.sleep(step.seconds)
                    step = steps.send(None)
                    continue
                try:
                    response = self._http.send(step)
                except httpx.RequestError as exc:
                    step = steps.send(exc)
                else:
                    step = steps.send(response)
            except StopIteration as done:
                result: T = done.value
                return result

    # -- gateway and accounts ------------------------------------------------------------

    def health(self) -> Health:
        """Liveness (needs no token)."""
        return self.call(api.health())

    def accounts(self) -> list[Account]:
        """Configured accounts with adapter, capabilities and session state."""
        return self.call(api.accounts())

    def login(self, account: str) -> LoginStep:
        """Begin a broker login: a challenge to answer, or an active session at once."""
        return self.call(api.login(account))

    def answer_challenge(
        self, account: str, challenge_id: str, answer: str | SecretStr
    ) -> LoginStep:
        """Answer a login challenge (OTP, PIN, redirected URL...); may yield another one."""
        return self.call(api.answer_challenge(account, challenge_id, answer))

    def resend_challenge(self, account: str, challenge_id: str) -> LoginStep:
        """Ask the broker to send the OTP again."""
        return self.call(api.resend_challenge(account, challenge_id))

    def logout(self, account: str) -> LoginStep:
        """End the account's broker session."""
        return self.call(api.logout(account))

    def status(self) -> GatewayStatus:
        """Per-account connection, session, circuit breaker and rate-limit state."""
        return self.call(api.status())

    def plugins(self, include_builtin: bool = False) -> list[Plugin]:
        return self.call(api.plugins(include_builtin))

    # -- portfolio and market data ---------------------------------------------------------

    def funds(self, accounts: api.Accounts = None) -> FanoutResult[Funds]:
        return self.call(api.funds(accounts))

    def holdings(self, accounts: api.Accounts = None) -> FanoutResult[list[Holding]]:
        return self.call(api.holdings(accounts))

    def positions(self, accounts: api.Accounts = None) -> FanoutResult[list[Position]]:
        return self.call(api.positions(accounts))

    def trades(self, accounts: api.Accounts = None) -> FanoutResult[list[Trade]]:
        """Today's trade book (fills) per account."""
        return self.call(api.trades(accounts))

    def profile(self, accounts: api.Accounts = None) -> FanoutResult[Profile]:
        """The user's profile at each account's broker."""
        return self.call(api.profile(accounts))

    def portfolio(self, accounts: api.Accounts = None) -> PortfolioResult:
        """Per-account portfolios plus ``consolidated`` over the accounts that answered."""
        return self.call(api.portfolio(accounts))

    def quotes(
        self, symbols: Sequence[str] | str, accounts: api.Accounts = None
    ) -> FanoutResult[list[Quote | SymbolError]]:
        """Quotes for ``EXCHANGE:SYMBOL`` references (``["NSE:SBIN", "NSE:INFY"]``)."""
        return self.call(api.quotes(symbols, accounts))

    def search_instruments(
        self, query: str, limit: int = 20, accounts: api.Accounts = None
    ) -> FanoutResult[list[Instrument]]:
        return self.call(api.search_instruments(query, limit, accounts))

    # -- orders ------------------------------------------------------------------------------

    def place_order(
        self,
        order: OrderRequest,
        accounts: Sequence[str] | str,
        *,
        idempotency_key: str | None = None,
    ) -> OrderResult:
        """Place ``order`` on every account in ``accounts`` (one leg each).

        Sent with ``idempotency_key`` (a new UUID when not given) on every attempt, so the
        client's own retries, or yours with ``result.idempotency_key``, never place twice.
        A partial success is returned, not raised: see ``result.failed`` and
        ``result.raise_for_failures()``.
        """
        return self.call(api.place_order(order, accounts, idempotency_key))

    def orders(self, accounts: api.Accounts = None) -> FanoutResult[list[Order]]:
        """Today's order book per account."""
        return self.call(api.list_orders(accounts))

    def get_order(self, account: str, order_id: str) -> OrderDetail:
        return self.call(api.get_order(account, order_id))

    def modify_order(
        self,
        account: str,
        order_id: str,
        changes: OrderModification,
        *,
        idempotency_key: str | None = None,
    ) -> FanoutResult[OrderAck]:
        return self.call(api.modify_order(account, order_id, changes, idempotency_key))

    def cancel_order(
        self, account: str, order_id: str, *, idempotency_key: str | None = None
    ) -> FanoutResult[OrderAck]:
        return self.call(api.cancel_order(account, order_id, idempotency_key))

    def order_history(self, account: str, order_id: str) -> list[OrderHistoryEntry]:
        """The broker's history (status trail) of one order, oldest first; raises
        ``OrdoValidationError`` (``CAPABILITY_NOT_SUPPORTED``) when the account's broker
        reports none. Ordo's own events of the order are ``order_events``."""
        return self.call(api.order_history(account, order_id))

    # -- safety and audit ------------------------------------------------------------------------

    def cancel_all(
        self, accounts: api.Accounts = None, idempotency_key: str | None = None
    ) -> FanoutResult[CancelledOnAccount]:
        """Cancel every open order of ``accounts`` (all when ``None``); allowed while the
        kill switch is on."""
        return self.call(api.cancel_all(accounts, idempotency_key))

    def exit_positions(
        self, accounts: api.Accounts = None, idempotency_key: str | None = None
    ) -> FanoutResult[ExitsOnAccount]:
        """Exit every open position of ``accounts`` (all when ``None``) with one market
        order per position, opposite side, whole net quantity; allowed while the kill
        switch is on. Each account's ``positions`` lists every exit (partial success is
        returned, not raised); the same ``idempotency_key`` never exits twice."""
        return self.call(api.exit_positions(accounts, idempotency_key))

    def kill_switch(self) -> KillSwitchState:
        return self.call(api.kill_switch())

    def engage_kill_switch(
        self, reason: str, *, cancel_open_orders: bool = False
    ) -> KillSwitchChange:
        """Refuse every new and modified order from now on; optionally cancel open ones."""
        return self.call(api.engage_kill_switch(reason, cancel_open_orders))

    def release_kill_switch(self, reason: str) -> KillSwitchState:
        return self.call(api.release_kill_switch(reason))

    def audit(
        self,
        *,
        request_id: str | None = None,
        account: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> AuditPage:
        """One page of audit events; pass ``page.next_cursor`` as ``cursor`` for the next."""
        return self.call(
            api.audit(
                request_id=request_id,
                account=account,
                kind=kind,
                since=since,
                limit=limit,
                cursor=cursor,
            )
        )

    def request_trace(self, request_id: str) -> RequestTrace:
        """What happened to each leg of the request with this id."""
        return self.call(api.request_trace(request_id))

    def order_events(self, account: str, order_id: str) -> list[dict[str, Any]]:
        """One order's events, oldest first."""
        return self.call(api.order_events(account, order_id))

    def events(
        self,
        *,
        accounts: Sequence[str] | None = None,
        statuses: Iterable[str] | None = None,
        last_event_id: int = 0,
        forever: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Order events as they happen (``for event in client.events()``), resuming after
        ``last_event_id``; reconnects with ``Last-Event-ID`` on its own."""
        return iter_events(
            self._http,
            self._config,
            accounts=accounts,
            statuses=statuses,
            last_event_id=last_event_id,
            forever=forever,
        )
