"""``MockAdapter``: the paper broker behind the ``BrokerAdapter`` contract.

Every broker call goes through ``_call``: it is recorded, delayed by the simulated latency,
checked against the optional rate-limit enforcement and the fault injector, then checked for
a live session, and only then reaches the ``PaperBroker``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import ClassVar, TypeVar

from ordo.adapters.base import AdapterContext, AdapterSettings, BrokerAdapter, RateLimit, RateScope
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import (
    BrokerError,
    BrokerUnavailable,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.domain import (
    BrokerSession,
    Funds,
    Holding,
    Instrument,
    LoginChallenge,
    Order,
    OrderAck,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    Position,
    Profile,
    Quote,
    SymbolRef,
    Trade,
)
from ordo.domain.algo import AlgoTag
from ordo.domain.protection import MarketProtection

from ordo_adapter_mock.broker import PaperBroker
from ordo_adapter_mock.calls import OK
from ordo_adapter_mock.faults import CallKind, Fault, FaultKind
from ordo_adapter_mock.numbering import paper_numbers
from ordo_adapter_mock.settings import MockSettings

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

TAG_PATTERN = re.compile(r"^[A-Za-z0-9]{1,30}$")
"""Tags the paper broker accepts: 1-30 alphanumerics (as Fyers' ``orderTag``)."""


def _reply_lost(operation: str) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"{operation}: no reply from the paper broker (injected fault); "
        "the request may have taken effect"
    )


def _ack(order: Order) -> OrderAck:
    return OrderAck(order_id=order.order_id, status=order.status, message=order.status_message)


class MockAdapter(BrokerAdapter[MockSettings]):
    """Paper broker: a simulated account with fills, funds, faults and call counting.

    ``adapter.broker`` is the ``PaperBroker`` behind it: tests set prices, inject faults and
    read call counts there. Pass ``broker=`` to share one paper broker between adapters, and
    ``sleep=`` to observe simulated latency without waiting.
    """

    id: ClassVar[str] = "mock"
    display_name: ClassVar[str] = "Paper broker"
    # The paper book is updated synchronously: a missing order is missing at once.
    reconcile_settle_seconds: ClassVar[float] = 0.0
    sessions_survive_restart: ClassVar[bool] = False
    # The paper broker takes a market-protection percentage on MARKET and SL-M orders, as
    # brokers with a protection field do: such orders stay MARKET in its book.
    market_protection: ClassVar[MarketProtection] = MarketProtection.FIELD
    # No exchange behind the paper book: the regulatory order-rate ceiling applies only when
    # the account's own compliance section sets one (to rehearse live pacing).
    reaches_exchange: ClassVar[bool] = False
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)
    Settings: ClassVar[type[AdapterSettings]] = MockSettings
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = (
        RateLimit(10, 1.0, RateScope.ORDERS),
        RateLimit(200, 60.0, RateScope.ORDERS),
    )

    @classmethod
    def rate_limits_for(cls, settings: MockSettings) -> tuple[RateLimit, ...]:
        """The paper account declares the quotas its settings name."""
        return settings.rate_limits()

    def __init__(
        self,
        settings: MockSettings,
        context: AdapterContext,
        *,
        broker: PaperBroker | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(settings, context)
        self.broker = broker or PaperBroker.from_settings(
            settings,
            numbers=paper_numbers(context.data_dir) if settings.number_across_restarts else None,
        )
        self._sleep = sleep

    def logs_in_unattended(self) -> bool:
        """Without a configured OTP, ``begin_login`` returns a session straight away."""
        return self.settings.login_otp is None

    # -- the call pipeline ---------------------------------------------------------------
    async def _call(self, operation: str, kind: CallKind, effect: Callable[[], T]) -> T:
        broker = self.broker
        record = broker.calls.start(operation)
        try:
            delay = broker.latency.next_delay()
            if delay > 0:
                await self._sleep(delay)
            if self.settings.enforce_rate_limits:
                wait = broker.calls.retry_after(record, self.rate_limits)
                if wait is not None:
                    raise RateLimited("paper broker quota exceeded", retry_after=wait)
            fault = broker.faults.draw(operation, kind)
            if fault is not None and fault.kind is not FaultKind.OUTCOME_UNKNOWN:
                raise self._fault_error(fault)
            if kind is not CallKind.PUBLIC:
                broker.auth.check(self.require_session())
            record.reached = True
            try:
                result = effect()
            except BrokerError:
                if fault is None:
                    raise
                # The rejection was booked; it is its reply that got lost.
                raise _reply_lost(operation) from None
            if fault is not None:
                raise _reply_lost(operation)
        except BrokerError as exc:
            record.outcome = exc.code
            raise
        record.outcome = OK
        return result

    def _fault_error(self, fault: Fault) -> BrokerError:
        if fault.kind is FaultKind.UNAVAILABLE:
            return BrokerUnavailable("paper broker unavailable (injected fault)")
        if fault.kind is FaultKind.RATE_LIMITED:
            return RateLimited(
                "paper broker rate limit (injected fault)", retry_after=fault.retry_after
            )
        self.broker.expire_sessions()
        return SessionExpired("paper broker session expired (injected fault)")

    # -- login ---------------------------------------------------------------------------
    async def begin_login(self) -> LoginChallenge | BrokerSession:
        step = await self._call("begin_login", CallKind.PUBLIC, self.broker.auth.begin)
        if isinstance(step, BrokerSession):
            self.session = step
        return step

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        session = await self._call(
            "complete_login", CallKind.PUBLIC, lambda: self.broker.auth.complete(challenge, answer)
        )
        self.session = session
        return session

    async def resend_challenge(self, challenge: LoginChallenge) -> LoginChallenge:
        return await self._call(
            "resend_challenge", CallKind.PUBLIC, lambda: self.broker.auth.resend(challenge)
        )

    async def refresh(self, session: BrokerSession) -> BrokerSession:
        fresh = await self._call(
            "refresh", CallKind.PUBLIC, lambda: self.broker.auth.refresh(session)
        )
        self.session = fresh
        return fresh

    async def logout(self) -> None:
        session = self.session
        self.session = None
        if session is not None:
            record = self.broker.calls.start("logout")
            self.broker.auth.revoke(session)
            record.reached, record.outcome = True, OK

    # -- portfolio and data --------------------------------------------------------------
    async def get_funds(self) -> Funds:
        return await self._call("get_funds", CallKind.READ, self.broker.funds)

    async def get_holdings(self) -> list[Holding]:
        return await self._call("get_holdings", CallKind.READ, self.broker.holdings)

    async def get_positions(self) -> list[Position]:
        return await self._call("get_positions", CallKind.READ, self.broker.positions)

    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        refs = list(symbols)
        return await self._call(
            "get_quotes", CallKind.READ, lambda: [self.broker.quote(ref) for ref in refs]
        )

    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        """From the local master: no broker call, so not recorded and never faulted."""
        return self.broker.instrument(ref)

    async def search_instruments(self, query: str, limit: int = 20) -> list[Instrument]:
        return self.broker.search(query, limit)

    async def load_instruments(self, *, force: bool = False) -> int:
        # The master download needs no session, like the brokers' public symbol files.
        return await self._call(
            "load_instruments", CallKind.PUBLIC, lambda: len(self.broker.instruments())
        )

    # -- orders --------------------------------------------------------------------------
    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        if not TAG_PATTERN.match(tag):
            raise InvalidRequest("an order tag is 1-30 letters and digits")
        placed = await self._call(
            "place_order", CallKind.WRITE, lambda: self.broker.place(order, tag)
        )
        return _ack(placed)

    async def place_algo_order(self, order: OrderRequest, tag: str, algo: AlgoTag) -> OrderAck:
        """The paper broker takes the algo metadata with the order and keeps it by order id
        (``broker.algos``), as a broker with an algo field would."""
        if not TAG_PATTERN.match(tag):
            raise InvalidRequest("an order tag is 1-30 letters and digits")

        def place() -> Order:
            placed = self.broker.place(order, tag)
            self.broker.algos[placed.order_id] = algo
            return placed

        return _ack(await self._call("place_order", CallKind.WRITE, place))

    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        modified = await self._call(
            "modify_order", CallKind.WRITE, lambda: self.broker.modify(order_id, changes)
        )
        return _ack(modified)

    async def cancel_order(self, order_id: str) -> OrderAck:
        cancelled = await self._call(
            "cancel_order", CallKind.WRITE, lambda: self.broker.cancel(order_id)
        )
        return _ack(cancelled)

    async def get_order(self, order_id: str) -> Order:
        return await self._call("get_order", CallKind.READ, lambda: self.broker.order(order_id))

    async def get_order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        return await self._call(
            "get_order_history", CallKind.READ, lambda: self.broker.order_history(order_id)
        )

    async def list_orders(self) -> list[Order]:
        return await self._call("list_orders", CallKind.READ, self.broker.orders)

    async def get_trades(self) -> list[Trade]:
        return await self._call("get_trades", CallKind.READ, self.broker.trades)

    async def required_margin(self, order: OrderRequest) -> Decimal:
        return await self._call(
            "required_margin", CallKind.READ, lambda: self.broker.required_margin(order)
        )

    async def get_profile(self) -> Profile:
        return await self._call(
            "get_profile",
            CallKind.READ,
            lambda: Profile(client_id=self.account, name="Paper trader", broker=self.id),
        )

    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        return await self._call(
            "find_orders_by_tag", CallKind.READ, lambda: self.broker.orders_by_tag(tag)
        )
