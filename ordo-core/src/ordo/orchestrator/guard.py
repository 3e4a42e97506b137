"""Every adapter call passes through here: the account's rate limiter and circuit breaker,
audit of the broker request and response, and the bookkeeping ``/status`` reports."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from ordo.adapters.base import RateScope
from ordo.adapters.ip_rejection import with_observed_ip
from ordo.audit.events import AuditEmitter
from ordo.domain.segments import Segment
from ordo.errors import BrokerError, IpNotWhitelisted, RateLimited, SessionExpired
from ordo.orchestrator.accounts import Account, CallRecord
from ordo.safety.deadline import Deadline
from ordo.safety.limiter import Priority
from ordo.safety.retry import READ_RETRY_ON, RetryPolicy, call_with_retry
from ordo.sessions.trading_day import PreviousDaySession, refuse_previous_day

T = TypeVar("T")


class CallKind(StrEnum):
    READ = "read"
    QUOTE = "quote"
    ORDER = "order"
    CANCEL = "cancel"
    LOGIN = "login"


_SCOPE = {
    CallKind.READ: RateScope.READS,
    CallKind.QUOTE: RateScope.QUOTES,
    CallKind.ORDER: RateScope.ORDERS,
    CallKind.CANCEL: RateScope.ORDERS,
}
_PRIORITY = {CallKind.CANCEL: Priority.CANCEL, CallKind.ORDER: Priority.ORDER}
_ORDER_CALLS = frozenset({CallKind.ORDER, CallKind.CANCEL})
"""Calls the exchanges' order-rate rule counts: place, modify and cancel."""

SessionExpiredListener = Callable[[Account, SessionExpired], Awaitable[None]]
CallObserver = Callable[[Account, str, str, float], None]
"""``observer(account, operation, outcome, seconds)`` after every broker call (metrics)."""
WaitObserver = Callable[[Account, float], None]
"""``observer(account, seconds)`` after every rate-limiter wait (metrics)."""


class CallGuard:
    """Runs one guarded broker call: the limiter, the breaker, audit and bookkeeping.

    Login calls skip the limiter and the breaker: a login must be possible while the
    account's order quota is exhausted or its breaker is open. Every other call is refused
    before anything is sent when the account's session belongs to an earlier IST trading
    day (``ordo.sessions.trading_day``); ``clock`` says what time it is.
    """

    def __init__(
        self,
        emitter: AuditEmitter,
        *,
        default_deadline: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.emitter = emitter
        self.default_deadline = default_deadline
        self.clock = clock
        self.session_expired_listeners: list[SessionExpiredListener] = []
        self.observers: list[CallObserver] = []
        self.wait_observers: list[WaitObserver] = []

    async def call(
        self,
        account: Account,
        operation: str,
        fn: Callable[[], Awaitable[T]],
        *,
        kind: CallKind = CallKind.READ,
        audit: dict[str, Any] | None = None,
        deadline: Deadline | None = None,
        before_send: Callable[[], None] | None = None,
        segment: Segment | None = None,
        priority: Priority | None = None,
    ) -> T:
        """Run one adapter call. ``before_send`` runs after any rate-limit wait and right
        before the broker is called (the kill switch re-check). An order call (place,
        modify, cancel) also waits for the account's order-rate ceiling in ``segment``
        (every segment when ``None``: the order's segment is unknown). ``priority``
        overrides the kind's place in the queue (an exit is placed as an order but
        queued as a cancel: both take risk off)."""
        guarded = kind is not CallKind.LOGIN
        if guarded:
            await self._refuse_previous_day(account, operation)
        if guarded and account.limiter is not None:
            ceiling = account.ceiling
            waited = await account.limiter.acquire(
                _SCOPE[kind],
                priority if priority is not None else _PRIORITY.get(kind, Priority.READ),
                deadline or Deadline.after(self.default_deadline),
                before_send=before_send,
                also=ceiling.windows(segment) if ceiling and kind in _ORDER_CALLS else (),
            )
            for wait_observer in self.wait_observers:
                wait_observer(account, waited)
        elif before_send is not None:
            before_send()
        started = time.perf_counter()
        self.emitter.emit(
            "broker.request",
            account=account.name,
            operation=operation,
            call_kind=kind.value,
            **(audit or {}),
        )
        try:
            if guarded and account.breaker is not None:
                result = await account.breaker.call(fn)
            else:
                result = await fn()
        except BrokerError as raised:
            exc = _with_egress_ip(account, raised)
            elapsed = time.perf_counter() - started
            self._record(account, CallRecord.failed(operation, datetime.now(UTC), exc), elapsed)
            self.emitter.emit(
                "broker.response",
                account=account.name,
                operation=operation,
                outcome="error",
                error_code=exc.code,
                message=exc.message,
                broker_code=exc.broker_code,
                elapsed_ms=round(elapsed * 1000, 3),
            )
            # Raised inside the try, so it is the broker's 429, not our own limiter's refusal.
            if isinstance(exc, RateLimited) and account.limiter is not None:
                account.limiter.pause(exc.retry_after)
            if isinstance(exc, SessionExpired):
                for listener in self.session_expired_listeners:
                    await listener(account, exc)
            if exc is raised:
                raise
            raise exc from None
        elapsed = time.perf_counter() - started
        self._record(account, CallRecord(operation, datetime.now(UTC), "success"), elapsed)
        self.emitter.emit(
            "broker.response",
            account=account.name,
            operation=operation,
            outcome="success",
            elapsed_ms=round(elapsed * 1000, 3),
        )
        return result

    async def _refuse_previous_day(self, account: Account, operation: str) -> None:
        """No broker call uses yesterday's session: refuse it here, tell the listeners (the
        session manager marks it expired and logs unattended accounts in again), audit."""
        try:
            refuse_previous_day(account.name, account.adapter.session, self.clock())
        except PreviousDaySession as exc:
            self.emitter.emit(
                "broker.refused",
                account=account.name,
                operation=operation,
                error_code=exc.code,
                reason="previous_trading_day",
                session_day=exc.session_day.isoformat(),
            )
            for listener in self.session_expired_listeners:
                await listener(account, exc)
            raise

    def _record(self, account: Account, record: CallRecord, elapsed: float) -> None:
        account.last_call = record
        if record.error_code is None:
            account.last_success = record.at
        else:
            account.last_error = record
        for observer in self.observers:
            observer(account, record.operation, record.outcome, elapsed)


def _with_egress_ip(account: Account, exc: BrokerError) -> BrokerError:
    """A broker's IP refusal names the IP the account's egress was last observed with when
    the broker's own text does not."""
    observation = account.egress
    if isinstance(exc, IpNotWhitelisted) and observation is not None and observation.observed_ip:
        return with_observed_ip(exc, observation.observed_ip)
    return exc


async def guarded_read(
    guard: CallGuard,
    account: Account,
    operation: str,
    fn: Callable[[], Awaitable[T]],
    *,
    deadline: Deadline,
    policy: RetryPolicy,
    kind: CallKind = CallKind.READ,
) -> T:
    """One guarded read, retried on transient errors within ``deadline``: a read may be
    repeated (``READ_RETRY_ON``), a write may not."""
    return await call_with_retry(
        lambda: guard.call(account, operation, fn, kind=kind, deadline=deadline),
        deadline=deadline,
        policy=policy,
        retry_on=READ_RETRY_ON,
    )
