"""One order leg on one account: the freeze-quantity check (refused, or sliced into child
legs by ``slicing``), earlier attempts reconciled, market protection (``protection``),
pre-trade checks, the ledger row before the broker call, the guarded call sent at most
once, and the settlement.

The leg's outcome follows from the error's class (``ordo.errors``): an ``unknown`` effect
leaves the leg ``unknown`` for reconciliation; a broker's refusal is ``rejected``; any
other error proves nothing happened and the leg ``failed``. A crash once the call was
under way may have reached the broker: ``unknown``, never ``failed``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger

from ordo.adapters.capabilities import Capability
from ordo.audit.events import AuditEmitter
from ordo.domain import AccountResult, OrderRequest, OrderType, Rejection, ResultStatus
from ordo.domain.enums import DERIVATIVE_EXCHANGES
from ordo.domain.ledger import LedgerLeg, LegChanges, LegState, Settlement
from ordo.domain.protection import SentForm
from ordo.errors import (
    CheckRejected,
    Effect,
    FreezeQuantityExceeded,
    InsufficientFunds,
    InterruptedCall,
    InvalidRequest,
    OrderRejected,
    OrdoError,
)
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.fanout import error_result
from ordo.orchestrator.guard import CallGuard
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.pretrade import Cleared, OrderSafety, PreTrade
from ordo.orchestrator.protection import MarketProtector
from ordo.orchestrator.reads import require
from ordo.orchestrator.sending import send_once
from ordo.orchestrator.slicing import FreezeLimits, Slicer
from ordo.orchestrator.unit_of_work import Settlements
from ordo.safety.deadline import Deadline
from ordo.safety.killswitch import OrderAction
from ordo.safety.limiter import Priority

BROKER_REFUSALS = (OrderRejected, InsufficientFunds, InvalidRequest)
"""The broker refused the order itself: the leg is ``rejected`` rather than ``failed``."""


def required_capabilities(order: OrderRequest) -> list[Capability]:
    needed = [Capability.PLACE_ORDER]
    if order.order_type in (OrderType.SL, OrderType.SL_M):
        needed.append(Capability.STOP_ORDERS)
    if order.amo:
        needed.append(Capability.AMO)
    return needed


@dataclass(frozen=True)
class LegPlan:
    """What one leg is: the order, its account, position and broker tag."""

    account: Account
    order: OrderRequest
    scope: str
    key: str
    leg: int
    tag: str
    request: dict[str, Any]
    """The order as the ledger and the audit record it (built once per order)."""
    action: OrderAction = "place"
    """What the kill switch is asked right before the broker call (``exit`` for an order
    already checked to only reduce a position)."""
    slice: bool = False
    """The request allows sending it as child orders of at most the freeze quantity."""


def settled_state(exc: OrdoError) -> LegState:
    """The ledger state of a leg whose broker call ended in ``exc``."""
    if exc.effect is Effect.UNKNOWN:
        return LegState.UNKNOWN
    return LegState.REJECTED if isinstance(exc, BROKER_REFUSALS) else LegState.FAILED


class LegPlacer:
    """Places one leg; its settlement goes to the unit of work's ``Settlements``."""

    def __init__(
        self,
        guard: CallGuard,
        pretrade: PreTrade,
        ledger: Ledger,
        safety: OrderSafety,
        emitter: AuditEmitter,
        *,
        protector: MarketProtector | None = None,
        freeze: FreezeLimits | None = None,
    ) -> None:
        self.guard = guard
        self.pretrade = pretrade
        self.ledger = ledger
        self.safety = safety
        self.emitter = emitter
        self.protector = protector or MarketProtector(pretrade)
        self.freeze = freeze or FreezeLimits()
        self.slicer = Slicer(self.place_one, ledger, safety.kill_switch)

    async def place(
        self,
        plan: LegPlan,
        earlier: Sequence[LedgerLeg],
        deadline: Deadline,
        settlements: Settlements,
    ) -> AccountResult:
        account = plan.account
        for capability in required_capabilities(plan.order):
            require(account, capability)
        if self.safety.before_order is not None:
            await self.safety.before_order(account.name)
        limit = await self._freeze_limit(plan, deadline)
        if limit is not None and plan.order.quantity > limit:
            if plan.slice:
                return await self.slicer.place(plan, limit, deadline, settlements)
            exc = FreezeQuantityExceeded(
                f"{plan.order.exchange}:{plan.order.symbol}", plan.order.quantity, limit
            )
            return await self._refused(plan, exc, {"freeze_quantity": limit})
        return await self.place_one(plan, earlier, deadline, settlements)

    async def place_one(
        self,
        plan: LegPlan,
        earlier: Sequence[LedgerLeg],
        deadline: Deadline,
        settlements: Settlements,
    ) -> AccountResult:
        """One order at the broker: an unsliced leg, or one child of a sliced one."""
        account = plan.account
        prior = await self.ledger.reconcile_prior(
            account, plan.tag, earlier, deadline, self.safety.policy
        )
        if prior is not None:
            return prior
        protected = await self.protector.protect(account, plan.order, deadline)
        if isinstance(protected, Rejection):
            return await self._rejected(plan, [protected])
        order, sent = protected.order, protected.sent
        cleared = await self.pretrade.clear(account, order, deadline)
        if not isinstance(cleared, Cleared):
            return await self._rejected(plan, cleared)
        if sent is not None:
            # The ledger says what went to the broker, beside what the client asked for.
            plan = dataclasses.replace(
                plan, order=order, request={**plan.request, "sent": sent.model_dump(mode="json")}
            )
        try:
            entry = await self.ledger.open_leg(
                account, plan.request, plan.tag, plan.scope, plan.key, plan.leg
            )
        except BaseException:
            self.pretrade.release(cleared)
            raise
        try:
            result = await self._send(plan, entry, deadline, settlements, cleared, sent)
        except BaseException:
            # Cancelled mid-call: the order may have reached the broker.
            self.pretrade.spend(cleared)
            raise
        if result.status is ResultStatus.ERROR:
            self.pretrade.release(cleared)
        else:
            self.pretrade.spend(cleared)
        return result

    async def _send(
        self,
        plan: LegPlan,
        entry: int,
        deadline: Deadline,
        settlements: Settlements,
        cleared: Cleared,
        sent_form: SentForm | None,
    ) -> AccountResult:
        account, tag = plan.account, plan.tag
        try:
            sent = await send_once(
                self.guard,
                account,
                plan.order,
                tag,
                deadline=deadline,
                policy=self.safety.policy,
                before_send=lambda: self.safety.kill_switch.ensure_allows(plan.action),
                settle=account.adapter.reconcile_settle_seconds,
                audit={"order": plan.request, "tag": tag},
                # Exits take risk off, as cancels do: both are served before new orders.
                priority=Priority.CANCEL if plan.action == "exit" else None,
            )
        except OrdoError as exc:
            return self._failed(plan, entry, exc, settlements)
        except Exception as exc:
            logger.opt(exception=exc).error("internal error on account {}", account.name)
            interrupted = InterruptedCall(
                f"internal error ({type(exc).__name__}); the outcome is unknown, check the "
                "order book or retry with the same Idempotency-Key"
            )
            return self._failed(plan, entry, interrupted, settlements)
        ack = sent.ack
        settlements.add(
            Settlement(
                entry,
                LegChanges(
                    state=LegState.ACKNOWLEDGED,
                    broker_order_id=ack.order_id,
                    response=ack.model_dump(mode="json"),
                ),
            )
        )
        self._outcome(account, tag, "acknowledged", None, order_id=ack.order_id)
        return AccountResult(
            account=account.name,
            broker=account.adapter_id,
            status=ResultStatus.SUCCESS,
            data={
                "order_id": ack.order_id,
                "status": ack.status,
                "tag": tag,
                "message": ack.message,
                "reconciled": sent.reconciled,
                "margin_source": cleared.margin_source,
                **({"sent": sent_form.model_dump(mode="json")} if sent_form else {}),
            },
        )

    def _failed(
        self, plan: LegPlan, entry: int, exc: OrdoError, settlements: Settlements
    ) -> AccountResult:
        state = settled_state(exc)
        if isinstance(exc, InsufficientFunds):
            # The broker's figure is lower than the cached one: read it again next time.
            self.safety.funds.invalidate(plan.account.name)
        changes = LegChanges(state=state, error_code=exc.code, message=exc.message)
        settlements.add(Settlement(entry, changes))
        self._outcome(plan.account, plan.tag, state.value, exc.code)
        data = {"tag": plan.tag} if exc.effect is Effect.UNKNOWN else None
        return error_result(plan.account, exc, data=data)

    async def _freeze_limit(self, plan: LegPlan, deadline: Deadline) -> int | None:
        """The exchange freeze quantity of the leg's derivative; ``None`` for anything else
        (cash orders never look their instrument up here)."""
        if plan.order.exchange not in DERIVATIVE_EXCHANGES:
            return None
        instrument = await self.pretrade.instrument(plan.account, plan.order, deadline)
        return self.freeze.limit(instrument)

    async def _refused(
        self, plan: LegPlan, exc: OrdoError, data: dict[str, Any] | None = None
    ) -> AccountResult:
        """Refused before any broker call for a reason of the order itself: recorded,
        never sent."""
        changes = LegChanges(state=LegState.REJECTED, error_code=exc.code, message=exc.message)
        await self.ledger.record_rejection(
            plan.account, plan.request, plan.tag, plan.scope, plan.key, plan.leg, changes
        )
        self._outcome(plan.account, plan.tag, "rejected", exc.code)
        return error_result(plan.account, exc, data=data)

    async def _rejected(self, plan: LegPlan, rejections: list[Rejection]) -> AccountResult:
        """A pre-trade check refused the leg: recorded, never sent."""
        first = rejections[0]
        changes = LegChanges(state=LegState.REJECTED, error_code=first.code, message=first.message)
        await self.ledger.record_rejection(
            plan.account, plan.request, plan.tag, plan.scope, plan.key, plan.leg, changes
        )
        self._outcome(plan.account, plan.tag, "rejected", first.code)
        exc = CheckRejected(first.code, first.message)
        return error_result(
            plan.account, exc, data={"rejections": [r.model_dump() for r in rejections]}
        )

    def _outcome(
        self, account: Account, tag: str, state: str, code: str | None, **extra: Any
    ) -> None:
        self.emitter.emit(
            "order.outcome", account=account.name, tag=tag, state=state, error_code=code, **extra
        )
