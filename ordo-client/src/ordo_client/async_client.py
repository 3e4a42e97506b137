"""``AsyncOrdo``: the asyncio client. Requests are built and answers parsed by the shared
``endpoints``/``protocol`` modules; this class only sends and sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
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
from ordo_client.events import aiter_events
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


class AsyncOrdo:
    """An asyncio client for the Ordo gateway.

    ``base_url`` and ``token`` default to ``ORDO_URL`` and ``ORDO_TOKEN``. ``verify`` takes
    ``True``, ``False``, a CA bundle path or an ``ssl.SSLContext``; ``cert`` a client
    certificate for mTLS. ``retry`` bounds the automatic retries (``RetryPolicy(max_attempts=1)``
    turns them off). ``transport`` replaces the network (tests). Use it as an async context
    manager or call ``aclose()``.
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
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._http = httpx.AsyncClient(
            timeout=self._config.timeout, verify=self._config.verify, transport=transport
        )

    @property
    def base_url(self) -> str:
        return self._config.base_url

    def __repr__(self) -> str:
        return f"AsyncOrdo(base_url={self._config.base_url!r})"

    async def __aenter__(self) -> AsyncOrdo:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, call: Call[T]) -> T:
        """Send a prepared call, retrying as its policy allows."""
        steps = exchange(call, self._config)
        step = next(steps)
        while True:
            try:
                if isinstance(step, Sleep):
                    await asyncio.sleep(step.seconds)
                    step = steps.send(None)
                    continue
                try:
                    response = await self._http.send(step)
                except httpx.RequestError as exc:
                    step = steps.send(exc)
                else:
                    step = steps.send(response)
            except StopIteration as done:
                result: T = done.value
                return result

    # -- gateway and accounts ------------------------------------------------------------

    async def health(self) -> Health:
        """Liveness (needs no token)."""
        return await self.call(api.health())

    async def accounts(self) -> list[Account]:
        """Configured accounts with adapter, capabilities and session state."""
        return await self.call(api.accounts())

    async def login(self, account: str) -> LoginStep:
        """Begin a broker login: a challenge to answer, or an active session at once."""
        return await self.call(api.login(account))

    async def answer_challenge(
        self, account: str, challenge_id: str, answer: str | SecretStr
    ) -> LoginStep:
        """Answer a login challenge (OTP, PIN, redirected URL...); may yield another one."""
        return await self.call(api.answer_challenge(account, challenge_id, answer))

    async def resend_challenge(self, account: str, challenge_id: str) -> LoginStep:
        """Ask the broker to send the OTP again."""
        return await self.call(api.resend_challenge(account, challenge_id))

    async def logout(self, account: str) -> LoginStep:
        """End the account's broker session."""
        return await self.call(api.logout(account))

    async def status(self) -> GatewayStatus:
        """Per-account connection, session, circuit breaker and rate-limit state."""
        return await self.call(api.status())

    async def plugins(self, include_builtin: bool = False) -> list[Plugin]:
        return await self.call(api.plugins(include_builtin))

    # -- portfolio and market data ---------------------------------------------------------

    async def funds(self, accounts: api.Accounts = None) -> FanoutResult[Funds]:
        return await self.call(api.funds(accounts))

    async def holdings(self, accounts: api.Accounts = None) -> FanoutResult[list[Holding]]:
        return await self.call(api.holdings(accounts))

    async def positions(self, accounts: api.Accounts = None) -> FanoutResult[list[Position]]:
        return await self.call(api.positions(accounts))

    async def trades(self, accounts: api.Accounts = None) -> FanoutResult[list[Trade]]:
        """Today's trade book (fills) per account."""
        return await self.call(api.trades(accounts))

    async def profile(self, accounts: api.Accounts = None) -> FanoutResult[Profile]:
        """The user's profile at each account's broker."""
        return await self.call(api.profile(accounts))

    async def portfolio(self, accounts: api.Accounts = None) -> PortfolioResult:
        """Per-account portfolios plus ``consolidated`` over the accounts that answered."""
        return await self.call(api.portfolio(accounts))

    async def quotes(
        self, symbols: Sequence[str] | str, accounts: api.Accounts = None
    ) -> FanoutResult[list[Quote | SymbolError]]:
        """Quotes for ``EXCHANGE:SYMBOL`` references (``["NSE:SBIN", "NSE:INFY"]``)."""
        return await self.call(api.quotes(symbols, accounts))

    async def search_instruments(
        self, query: str, limit: int = 20, accounts: api.Accounts = None
    ) -> FanoutResult[list[Instrument]]:
        return await self.call(api.search_instruments(query, limit, accounts))

    # -- orders ------------------------------------------------------------------------------

    async def place_order(
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
        return await self.call(api.place_order(order, accounts, idempotency_key))

    async def orders(self, accounts: api.Accounts = None) -> FanoutResult[list[Order]]:
        """Today's order book per account."""
        return await self.call(api.list_orders(accounts))

    async def get_order(self, account: str, order_id: str) -> OrderDetail:
        return await self.call(api.get_order(account, order_id))

    async def modify_order(
        self,
        account: str,
        order_id: str,
        changes: OrderModification,
        *,
        idempotency_key: str | None = None,
    ) -> FanoutResult[OrderAck]:
        return await self.call(api.modify_order(account, order_id, changes, idempotency_key))

    async def cancel_order(
        self, account: str, order_id: str, *, idempotency_key: str | None = None
    ) -> FanoutResult[OrderAck]:
        return await self.call(api.cancel_order(account, order_id, idempotency_key))

    async def order_history(self, account: str, order_id: str) -> list[OrderHistoryEntry]:
        """The broker's history (status trail) of one order, oldest first; raises
        ``OrdoValidationError`` (``CAPABILITY_NOT_SUPPORTED``) when the account's broker
        reports none. Ordo's own events of the order are ``order_events``."""
        return await self.call(api.order_history(account, order_id))

    # -- safety and audit ------------------------------------------------------------------------

    async def cancel_all(
        self, accounts: api.Accounts = None, idempotency_key: str | None = None
    ) -> FanoutResult[CancelledOnAccount]:
        """Cancel every open order of ``accounts`` (all when ``None``); allowed while the
        kill switch is on."""
        return await self.call(api.cancel_all(accounts, idempotency_key))

    async def exit_positions(
        self, accounts: api.Accounts = None, idempotency_key: str | None = None
    ) -> FanoutResult[ExitsOnAccount]:
        """Exit every open position of ``accounts`` (all when ``None``) with one market
        order per position, opposite side, whole net quantity; allowed while the kill
        switch is on. Each account's ``positions`` lists every exit (partial success is
        returned, not raised); the same ``idempotency_key`` never exits twice."""
        return await self.call(api.exit_positions(accounts, idempotency_key))

    async def kill_switch(self) -> KillSwitchState:
        return await self.call(api.kill_switch())

    async def engage_kill_switch(
        self, reason: str, *, cancel_open_orders: bool = False
    ) -> KillSwitchChange:
        """Refuse every new and modified order from now on; optionally cancel open ones."""
        return await self.call(api.engage_kill_switch(reason, cancel_open_orders))

    async def release_kill_switch(self, reason: str) -> KillSwitchState:
        return await self.call(api.release_kill_switch(reason))

    async def audit(
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
        return await self.call(
            api.audit(
                request_id=request_id,
                account=account,
                kind=kind,
                since=since,
                limit=limit,
                cursor=cursor,
            )
        )

    async def request_trace(self, request_id: str) -> RequestTrace:
        """What happened to each leg of the request with this id."""
        return await self.call(api.request_trace(request_id))

    async def order_events(self, account: str, order_id: str) -> list[dict[str, Any]]:
        """One order's events, oldest first."""
        return await self.call(api.order_events(account, order_id))

    def events(
        self,
        *,
        accounts: Sequence[str] | None = None,
        statuses: Iterable[str] | None = None,
        last_event_id: int = 0,
        forever: bool = True,
    ) -> AsyncIterator[dict[str, Any]]:
        """Order events as they happen (``async for event in client.events()``), resuming
        after ``last_event_id``; reconnects with ``Last-Event-ID`` on its own."""
        return aiter_events(
            self._http,
            self._config,
            accounts=accounts,
            statuses=statuses,
            last_event_id=last_event_id,
            forever=forever,
        )
