"""One order as its broker reports it, with the ledger's leg when Ordo placed it, and the
broker's history (status trail) of one order."""

from __future__ import annotations

from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.domain import OrderHistoryEntry
from ordo.orchestrator.accounts import AccountSet
from ordo.orchestrator.guard import CallGuard
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.reads import require


class OrderLookup:
    def __init__(self, accounts: AccountSet, guard: CallGuard, ledger: Ledger) -> None:
        self.accounts = accounts
        self.guard = guard
        self.ledger = ledger

    async def detail(self, account_name: str, order_id: str) -> dict[str, Any]:
        account = self.accounts.get(account_name)
        order = await self.guard.call(
            account, "get_order", lambda: account.adapter.get_order(order_id)
        )
        entry = await self.ledger.find_by_order(account_name, order_id)
        return {**order.model_dump(mode="json"), "ledger": entry.describe() if entry else None}

    async def history(self, account_name: str, order_id: str) -> list[OrderHistoryEntry]:
        """The broker's trail of one order, oldest first (``Capability.ORDER_HISTORY``)."""
        account = self.accounts.get(account_name)
        require(account, Capability.ORDER_HISTORY)
        return await self.guard.call(
            account, "get_order_history", lambda: account.adapter.get_order_history(order_id)
        )
