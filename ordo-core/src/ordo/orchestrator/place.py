"""The placement service: the one owner of an order's unit of work.

``place`` claims the idempotency key, runs one leg per account concurrently (each tagged
from scope, key and account), gathers their settlements, and stores the response, all
through ``OrderUnitOfWork``; finality comes from the per-account results.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from ordo.domain import AccountResult, OrderRequest
from ordo.orchestrator.accounts import AccountSet
from ordo.orchestrator.fanout import Reply, fan_out
from ordo.orchestrator.leg import LegPlacer, LegPlan
from ordo.orchestrator.pretrade import OrderSafety
from ordo.orchestrator.unit_of_work import OrderUnitOfWork, PriorLegs, Settlements, Ticket
from ordo.safety.tags import order_tag


class PlacementService:
    """Places one order on one or several accounts, at most once per idempotency key."""

    def __init__(
        self,
        accounts: AccountSet,
        legs: LegPlacer,
        unit_of_work: OrderUnitOfWork,
        safety: OrderSafety,
    ) -> None:
        self.accounts = accounts
        self.legs = legs
        self.unit_of_work = unit_of_work
        self.safety = safety

    async def place(
        self,
        account_names: Sequence[str],
        order: OrderRequest,
        ticket: Ticket,
        *,
        slice_above_freeze: bool = False,
    ) -> Reply:
        """Place ``order`` on every named account; the reply is stored for the ticket's
        key when final, and replayed for a repeat of it. With ``slice_above_freeze`` a leg
        above its derivative's freeze quantity goes as child orders (``slicing``)."""
        targets = self.accounts.select(list(account_names))
        # Without a client key the order gets a fresh one: nothing to reconcile then.
        key = ticket.key or f"auto-{uuid.uuid4().hex}"
        request = order.model_dump(mode="json")
        plans = [
            LegPlan(
                account,
                order,
                ticket.scope,
                key,
                index,
                order_tag(ticket.scope, key, account.name),
                request,
                slice=slice_above_freeze,
            )
            for index, account in enumerate(targets)
        ]
        by_account = {plan.account.name: plan for plan in plans}

        async def work(prior: PriorLegs, settlements: Settlements) -> list[AccountResult]:
            self.safety.kill_switch.ensure_allows("place")
            deadline = self.safety.deadline()
            return await fan_out(
                targets,
                lambda a: self.legs.place(
                    by_account[a.name], prior.get(by_account[a.name].tag, ()), deadline, settlements
                ),
            )

        return await self.unit_of_work.run(ticket, [plan.tag for plan in plans], work)
