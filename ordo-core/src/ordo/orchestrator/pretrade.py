"""Pre-trade checks of one leg (FR13-15): what the checks need (instrument, cached funds,
a reference price), the ``check_order`` hooks, and the funds reservation that keeps a
burst of orders from all passing against the same cached funds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loguru import logger

from ordo.adapters.capabilities import Capability
from ordo.domain import Funds, Instrument, OrderRequest, Rejection, Side, SymbolRef
from ordo.errors import InstrumentNotFound, OrdoError
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.guard import CallGuard, CallKind, guarded_read
from ordo.orchestrator.instruments import InstrumentCache
from ordo.safety.checks import CheckContext, MarginSource, OrderLimits, run_checks
from ordo.safety.deadline import Deadline
from ordo.safety.funds import FundsCache, Reservation, Reservations
from ordo.safety.killswitch import KillSwitch
from ordo.safety.retry import RetryPolicy


@dataclass
class OrderSafety:
    """The shared safety state the order path consults."""

    kill_switch: KillSwitch
    funds: FundsCache
    reservations: Reservations = field(default_factory=Reservations)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    deadline_seconds: float = 10.0
    instruments: InstrumentCache = field(default_factory=InstrumentCache)
    before_order: Callable[[str], Awaitable[None]] | None = None
    """Gate run first for each leg, before any broker call (the egress drift block,
    ``EgressMonitor.before_order``); it raises an ``OrdoError`` to refuse the leg."""

    def deadline(self) -> Deadline:
        return Deadline.after(self.deadline_seconds)


@dataclass(frozen=True)
class Cleared:
    """A leg the checks let through, with the funds it holds until its broker call ends."""

    reservation: Reservation | None
    margin_source: MarginSource | None = None
    """What the funds check valued the order with; ``None`` when funds were not checked."""


class PreTrade:
    """Runs the checks of one leg and reserves its funds."""

    def __init__(
        self,
        guard: CallGuard,
        hook: Any,
        limits_for: Callable[[str], OrderLimits],
        safety: OrderSafety,
    ) -> None:
        self.guard = guard
        self.hook = hook
        self.limits_for = limits_for
        self.safety = safety

    async def clear(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> Cleared | list[Rejection]:
        """``Cleared`` (with a funds reservation to release after the call), or the
        rejections; the first one decides the leg's error."""
        context = await self.check_context(account, order, deadline)
        rejections = await run_checks(self.hook, order, context)
        if rejections:
            return rejections
        source = context.margin_source if context.funds is not None else None
        value = context.funds_needed(order) if order.side is Side.BUY else None
        if not value or context.funds is None:
            return Cleared(None, source)
        # Reserve with no await since the checks, so a burst cannot all pass against the
        # same cached funds.
        reservations = self.safety.reservations
        reservation = reservations.try_reserve(account.name, value, context.funds.available)
        if reservation is None:
            return [_overspend(account, value, reservations)]
        return Cleared(reservation, source)

    def release(self, cleared: Cleared) -> None:
        """The leg did not reach the broker (or the broker proved it took no effect): free
        its reservation."""
        if cleared.reservation is not None:
            self.safety.reservations.release(cleared.reservation)

    def spend(self, cleared: Cleared) -> None:
        """The leg reached the broker, or may have: its money stays counted until funds are
        read again (the cached funds are kept: no read per order)."""
        if cleared.reservation is not None:
            self.safety.reservations.spend(cleared.reservation)

    async def _read_funds(self, account: Account, deadline: Deadline) -> Funds:
        """Read funds from the broker; orders spent before the read began are in it."""
        reservations = self.safety.reservations
        mark = reservations.mark()
        funds: Funds = await self.read(account, "get_funds", account.adapter.get_funds, deadline)
        reservations.funds_read(account.name, mark)
        return funds

    async def check_context(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> CheckContext:
        """What the pre-trade checks need: instrument, cached funds, a reference price."""
        ref = SymbolRef(exchange=order.exchange, symbol=order.symbol)
        instrument = await self.instrument(account, order, deadline)
        funds = None
        reference = order.price
        wants_funds = order.side is Side.BUY and account.adapter.supports(Capability.FUNDS)
        if instrument is not None and wants_funds:
            funds = await self.safety.funds.get(
                account.name, lambda: self._read_funds(account, deadline)
            )
            if reference is None and account.adapter.supports(Capability.QUOTES):
                quotes = await self.read(
                    account,
                    "get_quotes",
                    lambda: account.adapter.get_quotes([ref]),
                    deadline,
                    CallKind.QUOTE,
                )
                reference = quotes[0].last_price if quotes else None
        margin = None
        if funds is not None and account.adapter.supports(Capability.MARGIN):
            margin = await self.broker_margin(account, order, deadline)
        return CheckContext(
            account=account.name,
            adapter=account.adapter,
            instrument=instrument,
            funds=funds,
            reserved=self.safety.reservations.committed(account.name),
            reference_price=reference,
            limits=self.limits_for(account.name),
            required_margin=margin,
        )

    async def instrument(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> Instrument | None:
        """The order's instrument from the account's master (cached briefly), or ``None``
        when the master lacks it."""
        ref = SymbolRef(exchange=order.exchange, symbol=order.symbol)

        async def lookup() -> Instrument | None:
            try:
                found: Instrument = await self.read(
                    account, "get_instrument", lambda: account.adapter.get_instrument(ref), deadline
                )
            except InstrumentNotFound:
                return None
            return found

        return await self.safety.instruments.get(
            account.name, str(order.exchange), order.symbol, lookup
        )

    async def broker_margin(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> Decimal | None:
        """The broker's required margin for ``order``, or ``None`` (the local estimate then
        stands) when its calculator cannot answer: a margin read must not block trading.
        One call, never retried: retries would spend the order's deadline and trip the
        account's breaker for a read the order can do without."""
        try:
            margin: Decimal = await self.guard.call(
                account,
                "required_margin",
                lambda: account.adapter.required_margin(order),
                deadline=deadline,
            )
        except OrdoError as exc:
            logger.info(
                "margin calculator of {} unavailable ({}); using the estimate",
                account.name,
                exc.code,
            )
            return None
        return margin

    async def read(
        self,
        account: Account,
        operation: str,
        fn: Callable[[], Any],
        deadline: Deadline,
        kind: CallKind = CallKind.READ,
    ) -> Any:
        """One guarded read, retried on transient errors within the deadline."""
        return await guarded_read(
            self.guard,
            account,
            operation,
            fn,
            deadline=deadline,
            policy=self.safety.policy,
            kind=kind,
        )


def _overspend(account: Account, value: Decimal, reservations: Reservations) -> Rejection:
    return Rejection(
        code="INSUFFICIENT_FUNDS",
        message=f"order value {value:.2f} does not fit the funds left after orders in flight "
        f"(reserved or spent {reservations.committed(account.name):.2f})",
        check="funds",
    )
