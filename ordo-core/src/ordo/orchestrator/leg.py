"""One order leg on one account: earlier attempts reconciled, pre-trade checks, the ledger
row before the broker call, the guarded call sent at most once, and the settlement.

The leg's outcome follows from the error's class (``ordo.errors``): an ``unknown`` effect
leaves the leg ``unknown`` for reconciliation; a broker's refusal is ``rejected``; any
other error proves nothing happened and the leg ``failed``. A crash once the call was
under way may have reached the broker: ``unknown``, never ``failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger

from ordo.adapters.capabilities import Capability
from ordo.audit.events import AuditEmitter
from ordo.domain import AccountResult, OrderRequest, OrderType, Rejection, ResultStatus
from ordo.domain.ledger import LedgerLeg, LegChanges, LegState, Settlement
from ordo.errors import (
    CheckRejected,
    Effect,
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
from ordo.orchestrator.reads import require
from ordo.orchestrator.sending import send_once
from ordo.orchestrator.unit_of_work import Settlements
from ordo.safety.deadline import Deadline

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
    ) -> None:
        self.guard = guard
        self.pretrade = pretrade
        self.ledger = ledger
        self.safety = safety
        self.emitter = emitter

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
        prior = await self.ledger.reconcile_prior(
            account, plan.tag, earlier, deadline, self.safety.policy
        )
        if prior is not None:
            return prior
        cleared = await self.pretrade.clear(account, plan.order, deadline)
        if not isinstance(cleared, Cleared):
            return await self._rejected(plan, cleared)
        try:
            entry = await self.ledger.open_leg(
                account, plan.request, plan.tag, plan.scope, plan.key, plan.leg
            )
        except BaseException:
            self.pretrade.release(cleared)
            raise
        try:
            result = await self._send(plan, entry, deadline, settlements, cleared)
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
                before_send=lambda: self.safety.kill_switch.ensure_allows("place"),
                settle=account.adapter.reconcile_settle_seconds,
                audit={"order": plan.request, "tag": tag},
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
