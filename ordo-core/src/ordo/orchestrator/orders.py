"""The order path: kill switch, capability and pre-trade checks, ledger, then the guarded
broker call, per account and concurrently."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import (
    BrokerError,
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderRejected,
    OutcomeUnknown,
)
from ordo.audit.events import AuditEmitter
from ordo.domain import (
    AccountResult,
    Instrument,
    OrderAck,
    OrderModification,
    OrderRequest,
    OrderType,
    Rejection,
    ResultStatus,
    Side,
    SymbolRef,
)
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import error_result, fan_out
from ordo.orchestrator.guard import BrokerGateway, CallKind
from ordo.orchestrator.instruments import InstrumentCache
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.reads import require
from ordo.orchestrator.sending import send_once
from ordo.persistence.statements import Settlement
from ordo.persistence.tables import LedgerEntry, LegState
from ordo.safety.checks import CheckContext, OrderLimits, run_checks
from ordo.safety.deadline import Deadline
from ordo.safety.funds import FundsCache, Reservations
from ordo.safety.killswitch import KillSwitch, KillSwitchActive
from ordo.safety.retry import READ_RETRY_ON, WRITE_RETRY_ON, RetryPolicy, call_with_retry
from ordo.safety.tags import order_tag

BROKER_REFUSALS = (OrderRejected, InsufficientFunds, InvalidRequest)


def required_capabilities(order: OrderRequest) -> list[Capability]:
    needed = [Capability.PLACE_ORDER]
    if order.order_type in (OrderType.SL, OrderType.SL_M):
        needed.append(Capability.STOP_ORDERS)
    if order.amo:
        needed.append(Capability.AMO)
    return needed


@dataclass
class OrderSafety:
    """The shared safety state the order path consults."""

    kill_switch: KillSwitch
    funds: FundsCache
    reservations: Reservations = field(default_factory=Reservations)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    deadline_seconds: float = 10.0
    instruments: InstrumentCache = field(default_factory=InstrumentCache)


class OrderService:
    """Places, modifies and cancels orders through the gateway."""

    def __init__(
        self,
        gateway: BrokerGateway,
        hook: Any,
        limits_for: Callable[[str], OrderLimits],
        safety: OrderSafety,
        ledger: Ledger,
        emitter: AuditEmitter,
    ) -> None:
        self.gateway = gateway
        self.hook = hook
        self.limits_for = limits_for
        self.safety = safety
        self.ledger = ledger
        self.emitter = emitter

    def deadline(self) -> Deadline:
        return Deadline.after(self.safety.deadline_seconds)

    # -- place ----------------------------------------------------------------------------
    async def place(
        self,
        accounts: Sequence[Account],
        order: OrderRequest,
        *,
        scope: str,
        key: str,
        prior: Mapping[str, list[LedgerEntry]] | None = None,
        settlements: list[Settlement] | None = None,
    ) -> list[AccountResult]:
        """One leg per account, concurrently; each leg tagged from (scope, key, account).

        ``prior`` maps each leg's tag to its earlier ledger legs, when the caller read them
        under the idempotency claim (``legs_by_tags``); otherwise each leg reads its own.
        With ``settlements``, the legs' outcomes after the broker call are appended there
        for the caller to write (with the stored response, one commit for both); without,
        each leg writes its own.
        """
        self.safety.kill_switch.ensure_allows("place")
        deadline = self.deadline()
        position = {account.name: index for index, account in enumerate(accounts)}
        return await fan_out(
            accounts,
            lambda a: self._place_leg(
                a, order, scope, key, position[a.name], deadline, prior, settlements
            ),
        )

    async def _place_leg(
        self,
        account: Account,
        order: OrderRequest,
        scope: str,
        key: str,
        leg: int,
        deadline: Deadline,
        prior_legs: Mapping[str, list[LedgerEntry]] | None = None,
        later: list[Settlement] | None = None,
    ) -> AccountResult:
        for capability in required_capabilities(order):
            require(account, capability)
        tag = order_tag(scope, key, account.name)
        request = order.model_dump(mode="json")
        known = prior_legs.get(tag) if prior_legs is not None else None
        prior = await self.ledger.reconcile_prior(
            account, tag, deadline, self.safety.policy, known=known
        )
        if prior is not None:
            return prior
        context = await self.check_context(account, order, deadline)
        rejections = await run_checks(self.hook, order, context)
        value = context.order_value(order) if order.side is Side.BUY else None
        reservation = None
        if not rejections and value and context.funds is not None:
            # Reserve with no await since the checks, so a burst cannot all pass against
            # the same cached funds.
            reservation = self.safety.reservations.try_reserve(
                account.name, value, context.funds.available
            )
            if reservation is None:
                rejections = [_overspend(account, value, self.safety.reservations)]
        if rejections:
            first = rejections[0]
            await self.ledger.record_rejection(
                account, request, tag, scope, key, leg, first.code, first.message
            )
            self._outcome(account, tag, "rejected", first.code)
            return AccountResult(
                account=account.name,
                broker=account.adapter_id,
                status=ResultStatus.ERROR,
                error_code=first.code,
                message=f"{account.name}: {first.message}",
                data={"rejections": [r.model_dump() for r in rejections]},
            )
        try:
            entry = await self.ledger.open_leg(account, request, tag, scope, key, leg)
        except BaseException:
            if reservation is not None:
                self.safety.reservations.release(reservation)
            raise
        try:
            sent = await send_once(
                self.gateway,
                account,
                order,
                tag,
                deadline=deadline,
                policy=self.safety.policy,
                before_send=lambda: self.safety.kill_switch.ensure_allows("place"),
                settle=account.adapter.reconcile_settle_seconds,
                audit={"order": request, "tag": tag},
            )
        except KillSwitchActive as exc:
            await self.ledger.settle(
                entry, LegState.FAILED, error_code=exc.code, message=exc.message, later=later
            )
            self._outcome(account, tag, "failed", exc.code)
            return AccountResult(
                account=account.name,
                broker=account.adapter_id,
                status=ResultStatus.ERROR,
                error_code=exc.code,
                message=f"{account.name}: {exc.message}",
            )
        except OutcomeUnknown as exc:
            await self.ledger.settle(
                entry, LegState.UNKNOWN, error_code=exc.code, message=exc.message, later=later
            )
            self._outcome(account, tag, "unknown", exc.code)
            result = error_result(account, exc)
            result.data = {"tag": tag}
            return result
        except BrokerError as exc:
            # The broker refused the order itself: rejected. Anything else proved that it
            # never took effect (unreachable, rate limited, breaker open): failed.
            state = LegState.REJECTED if isinstance(exc, BROKER_REFUSALS) else LegState.FAILED
            await self.ledger.settle(
                entry, state, error_code=exc.code, message=exc.message, later=later
            )
            self._outcome(account, tag, state.value, exc.code)
            raise
        except Exception as exc:
            # A bug after the leg was opened: it may have reached the broker, so the leg is
            # unknown until reconciled by its tag (fan_out reports it the same way).
            await self.ledger.settle(
                entry,
                LegState.UNKNOWN,
                error_code="INTERNAL_ERROR",
                message=f"internal error: {type(exc).__name__}",
                later=later,
            )
            self._outcome(account, tag, "unknown", "INTERNAL_ERROR")
            raise
        finally:
            if reservation is not None:
                self.safety.reservations.release(reservation)
            self.safety.funds.invalidate(account.name)
        await self.ledger.settle(
            entry,
            LegState.ACKNOWLEDGED,
            broker_order_id=sent.ack.order_id,
            response=sent.ack.model_dump(mode="json"),
            later=later,
        )
        self._outcome(account, tag, "acknowledged", None, order_id=sent.ack.order_id)
        return AccountResult(
            account=account.name,
            broker=account.adapter_id,
            status=ResultStatus.SUCCESS,
            data={
                "order_id": sent.ack.order_id,
                "status": sent.ack.status,
                "tag": tag,
                "message": sent.ack.message,
                "reconciled": sent.reconciled,
            },
        )

    async def check_context(
        self, account: Account, order: OrderRequest, deadline: Deadline
    ) -> CheckContext:
        """What the pre-trade checks need: instrument, cached funds, a reference price."""
        ref = SymbolRef(exchange=order.exchange, symbol=order.symbol)

        async def lookup() -> Instrument | None:
            try:
                found: Instrument = await self._read(
                    account, "get_instrument", lambda: account.adapter.get_instrument(ref), deadline
                )
            except InstrumentNotFound:
                return None
            return found

        instrument = await self.safety.instruments.get(
            account.name, str(order.exchange), order.symbol, lookup
        )
        funds = None
        reference = order.price
        wants_funds = order.side is Side.BUY and account.adapter.supports(Capability.FUNDS)
        if instrument is not None and wants_funds:
            funds = await self.safety.funds.get(
                account.name,
                lambda: self._read(account, "get_funds", account.adapter.get_funds, deadline),
            )
            if reference is None and account.adapter.supports(Capability.QUOTES):
                quotes = await self._read(
                    account,
                    "get_quotes",
                    lambda: account.adapter.get_quotes([ref]),
                    deadline,
                    CallKind.QUOTE,
                )
                reference = quotes[0].last_price if quotes else None
        return CheckContext(
            account=account.name,
            adapter=account.adapter,
            instrument=instrument,
            funds=funds,
            reserved=self.safety.reservations.total(account.name),
            reference_price=reference,
            limits=self.limits_for(account.name),
        )

    async def _read(
        self,
        account: Account,
        operation: str,
        fn: Callable[[], Any],
        deadline: Deadline,
        kind: CallKind = CallKind.READ,
    ) -> Any:
        return await call_with_retry(
            lambda: self.gateway.call(account, operation, fn, kind=kind, deadline=deadline),
            deadline=deadline,
            policy=self.safety.policy,
            retry_on=READ_RETRY_ON,
        )

    def _outcome(
        self, account: Account, tag: str, state: str, code: str | None, **extra: Any
    ) -> None:
        self.emitter.emit(
            "order.outcome", account=account.name, tag=tag, state=state, error_code=code, **extra
        )

    # -- modify and cancel ----------------------------------------------------------------
    async def modify(
        self, account: Account, order_id: str, changes: OrderModification
    ) -> AccountResult:
        self.safety.kill_switch.ensure_allows("modify")
        return await self._change(
            account,
            Capability.MODIFY_ORDER,
            "modify_order",
            lambda: account.adapter.modify_order(order_id, changes),
            kind=CallKind.ORDER,
            before_send=lambda: self.safety.kill_switch.ensure_allows("modify"),
            audit={
                "order_id": order_id,
                "changes": changes.model_dump(mode="json", exclude_unset=True),
            },
        )

    async def cancel(self, account: Account, order_id: str) -> AccountResult:
        """Cancels pass while the kill switch is on: they only reduce exposure."""
        return await self._change(
            account,
            Capability.CANCEL_ORDER,
            "cancel_order",
            lambda: account.adapter.cancel_order(order_id),
            kind=CallKind.CANCEL,
            audit={"order_id": order_id},
        )

    async def _change(
        self,
        account: Account,
        capability: Capability,
        operation: str,
        fn: Callable[[], Awaitable[OrderAck]],
        *,
        kind: CallKind,
        audit: dict[str, Any],
        before_send: Callable[[], None] | None = None,
    ) -> AccountResult:
        """A write on an existing order: retried only on errors that prove no effect."""
        deadline = self.deadline()
        try:
            require(account, capability)
            ack = await call_with_retry(
                lambda: self.gateway.call(
                    account,
                    operation,
                    fn,
                    kind=kind,
                    deadline=deadline,
                    before_send=before_send,
                    audit=audit,
                ),
                deadline=deadline,
                policy=self.safety.policy,
                retry_on=WRITE_RETRY_ON,
            )
        except BrokerError as exc:
            return error_result(account, exc)
        self.safety.funds.invalidate(account.name)
        return AccountResult(
            account=account.name, broker=account.adapter_id, status=ResultStatus.SUCCESS, data=ack
        )

    async def cancel_all_open(self, accounts: Sequence[Account]) -> list[AccountResult]:
        """Cancel every open order on every account (kill-switch activation option)."""

        async def one(account: Account) -> dict[str, Any]:
            orders = await self._read(
                account, "list_orders", account.adapter.list_orders, self.deadline()
            )
            outcomes = [await self.cancel(account, o.order_id) for o in orders if o.status.is_open]
            return {
                "cancelled": [
                    r.data.order_id for r in outcomes if r.status is ResultStatus.SUCCESS
                ],
                "failed": [
                    {"error_code": r.error_code, "message": r.message}
                    for r in outcomes
                    if r.status is not ResultStatus.SUCCESS
                ],
            }

        return await fan_out(accounts, one)


def _overspend(account: Account, value: Decimal, reservations: Reservations) -> Rejection:
    return Rejection(
        code="INSUFFICIENT_FUNDS",
        message=f"order value {value:.2f} does not fit the funds left after orders in flight "
        f"(reserved {reservations.total(account.name):.2f})",
        check="funds",
    )
