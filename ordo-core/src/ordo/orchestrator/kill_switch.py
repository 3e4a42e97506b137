"""The kill switch as a service (FR17): switch it on or off, persisted and shared with
replicas, audited; on request cancel every open order and report each cancel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ordo.audit.events import AuditEmitter
from ordo.domain import AccountResult
from ordo.events.confirm import CancelConfirmer
from ordo.orchestrator.accounts import AccountSet
from ordo.orchestrator.changes import OrderChanges
from ordo.persistence.db import Database
from ordo.persistence.kill_switch import kill_switch_on, set_kill_switch_on
from ordo.safety.killswitch import KillSwitch, KillSwitchState

Publish = Callable[[KillSwitchState], Awaitable[None]]


@dataclass(frozen=True)
class Activation:
    """The switch after activation, and each account's cancels when they were asked for."""

    state: KillSwitchState
    cancels: list[AccountResult] | None


class KillSwitchRow:
    """Where the kill switch persists: its database row, and the replicas' copy."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._publish: Publish | None = None

    def publish_with(self, publish: Publish) -> None:
        """Share every change with the other replicas through ``publish``."""
        self._publish = publish

    async def load(self) -> KillSwitchState | None:
        row = await self.db.run(kill_switch_on)
        if row is None or row["changed_at"] is None:
            return None
        return KillSwitchState(
            active=row["active"],
            reason=row["reason"],
            actor=row["actor"],
            changed_at=row["changed_at"],
        )

    async def save(self, state: KillSwitchState) -> None:
        await self.db.run(lambda c: set_kill_switch_on(c, state.active, state.reason, state.actor))
        if self._publish is not None:
            await self._publish(state)


class KillSwitchService:
    """Switches the kill switch, cancels open orders on request, audits both."""

    def __init__(
        self,
        switch: KillSwitch,
        emitter: AuditEmitter,
        accounts: AccountSet,
        changes: OrderChanges,
        *,
        confirmer: CancelConfirmer | None = None,
    ) -> None:
        self.switch = switch
        self.emitter = emitter
        self.accounts = accounts
        self.changes = changes
        self.confirmer = confirmer

    @property
    def state(self) -> KillSwitchState:
        return self.switch.state

    async def activate(self, reason: str, actor: str, *, cancel_open_orders: bool) -> Activation:
        """Refuse every new and modified order at once; then, if asked, cancel every open
        order on every account, auditing each account's cancels."""
        state = await self.switch.activate(reason, actor)
        self.emitter.emit("kill_switch.on", reason=reason, cancel=cancel_open_orders)
        if not cancel_open_orders:
            return Activation(state, None)
        cancels = await self.changes.cancel_all_open(list(self.accounts))
        if self.confirmer is not None:
            cancels = [await self._confirmed(result) for result in cancels]
        for result in cancels:
            self.emitter.emit(
                "kill_switch.cancel",
                account=result.account,
                status=result.status.value,
                error_code=result.error_code,
                result=result.model_dump(mode="json"),
            )
        self.emitter.emit(
            "kill_switch.cancelled", results=[r.model_dump(mode="json") for r in cancels]
        )
        return Activation(state, cancels)

    async def _confirmed(self, result: AccountResult) -> AccountResult:
        """``result`` with ``confirmed``: each cancelled order's final status from the
        broker's book (``UNCONFIRMED`` when it did not become final within the wait)."""
        data = result.data if isinstance(result.data, dict) else None
        if self.confirmer is None or data is None or not data.get("cancelled"):
            return result
        account = self.accounts.get(result.account)
        confirmed = await self.confirmer.confirm(account, list(data["cancelled"]))
        return result.model_copy(update={"data": {**data, "confirmed": confirmed}})

    async def deactivate(self, reason: str, actor: str) -> KillSwitchState:
        state = await self.switch.deactivate(reason, actor)
        self.emitter.emit("kill_switch.off", reason=reason)
        return state
