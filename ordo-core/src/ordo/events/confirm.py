"""Confirmations of cancels from the same truth as the order events: the kill switch's
cancel-all waits until the broker's book shows each cancelled order final (recording what
it sees as events) or the wait ends, and reports which were confirmed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from ordo.errors import BrokerError
from ordo.events.log import EventLog
from ordo.events.model import update_from_order
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.guard import CallGuard, CallKind
from ordo.safety.deadline import Deadline

UNCONFIRMED = "UNCONFIRMED"


class CancelConfirmer:
    """Reads an account's order book until the given orders are final."""

    def __init__(
        self, log: EventLog, guard: CallGuard, *, wait_seconds: float = 5.0, pause: float = 0.2
    ) -> None:
        self.log = log
        self.guard = guard
        self.wait_seconds = wait_seconds
        self.pause = pause

    async def confirm(self, account: Account, order_ids: Sequence[str]) -> dict[str, str]:
        """Each order id's final status as the book shows it, or ``UNCONFIRMED`` when it was
        not final (or could not be read) within the wait."""
        wanted = set(order_ids)
        found: dict[str, str] = {}
        ends = time.monotonic() + self.wait_seconds
        adapter = account.adapter
        while wanted - found.keys():
            try:
                orders = await self.guard.call(
                    account,
                    "list_orders",
                    adapter.list_orders,
                    kind=CallKind.READ,
                    deadline=Deadline.after(max(1.0, ends - time.monotonic())),
                )
            except BrokerError:
                orders = []
            for order in orders:
                update = update_from_order(account.name, adapter.id, order)
                await self.log.record(update)
                if order.order_id in wanted and update.status.is_final:
                    found[order.order_id] = update.status.value
            if time.monotonic() >= ends or not wanted - found.keys():
                break
            await asyncio.sleep(self.pause)
        return {order_id: found.get(order_id, UNCONFIRMED) for order_id in order_ids}
