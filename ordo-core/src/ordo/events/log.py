"""The event log service: stores order updates as events (deduplicated, durable) and
tells everyone who listens: waiting SSE streams, the ``order_event`` hook, the audit trail
(a rejection after an acknowledgement loudly) and the webhook outbox."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from loguru import logger

from ordo.audit.events import AuditEmitter
from ordo.domain.ledger import LegState
from ordo.events.model import LegOrderState, OrderEvent, OrderUpdate
from ordo.hook_context import resolved
from ordo.persistence.db import Database
from ordo.persistence.order_events import (
    Appended,
    FollowedOrder,
    any_followed_on,
    append_event_on,
    events_after_on,
    events_for_order_on,
    followed_orders_on,
    last_event_id_on,
    leg_order_states_on,
)

WebhookRouter = Callable[[OrderEvent], Sequence[str]]
"""The names of the webhooks that want an event."""

_SEEN_LIMIT = 50_000


class EventLog:
    """Appends order events one at a time (so ids commit in increasing order in this
    process: a reader that resumes after id N never misses a smaller id committed later)
    and wakes the readers waiting for new ones."""

    def __init__(
        self,
        db: Database,
        emitter: AuditEmitter,
        hook: Any,
        *,
        webhooks: WebhookRouter = lambda _: (),
    ) -> None:
        self.db = db
        self.emitter = emitter
        self.hook = hook
        self.webhooks = webhooks
        self._lock = asyncio.Lock()
        self._seen: OrderedDict[tuple[str, str, str, int], None] = OrderedDict()
        self._changed = asyncio.Event()
        self.last_id = 0
        self.outbox_listeners: list[Callable[[], None]] = []

    async def start(self) -> None:
        self.last_id = await self.db.run(last_event_id_on)

    async def record(self, update: OrderUpdate) -> OrderEvent | None:
        """Store ``update`` unless the same change was stored before; returns the new event
        or ``None`` for a duplicate."""
        if update.key in self._seen:
            return None
        async with self._lock:
            appended = await self.db.run(
                lambda c: append_event_on(c, update, webhooks=self.webhooks)
            )
            self._remember(update.key)
            if appended is None:
                return None
            self.last_id = max(self.last_id, appended.event.id)
        self._wake()
        await self._announce(appended)
        return appended.event

    def _remember(self, key: tuple[str, str, str, int]) -> None:
        self._seen[key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        for listener in self.outbox_listeners:
            listener()

    async def _announce(self, appended: Appended) -> None:
        event = appended.event
        self.emitter.emit(
            "order.event",
            request_id=event.request_id,
            account=event.account,
            event_id=event.id,
            order_id=event.order_id,
            status=event.status.value,
            filled_quantity=event.filled_quantity,
        )
        if appended.leg_state in (LegState.UNKNOWN, LegState.SENT):
            self.emitter.emit(
                "order.reconciled",
                request_id=event.request_id,
                account=event.account,
                tag=event.tag,
                state="acknowledged",
                order_id=event.order_id,
                source="order_event",
            )
        if event.after_ack:
            logger.warning(
                "order {} of account {} was REJECTED after it was acknowledged: {}",
                event.order_id,
                event.account,
                event.message,
            )
            self.emitter.emit(
                "order.rejected_after_ack",
                request_id=event.request_id,
                account=event.account,
                event_id=event.id,
                order_id=event.order_id,
                reason=event.message,
            )
        try:
            await resolved(self.hook.order_event(event=event))
        except Exception as exc:  # a plugin's failure must not stop the log
            logger.warning("an order_event hook failed on event {}: {!r}", event.id, exc)

    async def wait_after(self, last_id: int, seconds: float) -> bool:
        """Wait until an event newer than ``last_id`` exists (``True``) or ``seconds``
        passes (``False``)."""
        if self.last_id > last_id:
            return True
        changed = self._changed
        try:
            async with asyncio.timeout(seconds):
                await changed.wait()
        except TimeoutError:
            return self.last_id > last_id
        return True

    async def after(
        self,
        last_id: int,
        *,
        accounts: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        limit: int = 500,
    ) -> list[OrderEvent]:
        accounts = None if accounts is None else list(accounts)
        statuses = None if statuses is None else list(statuses)
        return await self.db.run(
            lambda c: events_after_on(c, last_id, accounts=accounts, statuses=statuses, limit=limit)
        )

    async def for_order(self, account: str, order_id: str) -> list[OrderEvent]:
        return await self.db.run(lambda c: events_for_order_on(c, account, order_id))

    async def following(self, account: str) -> bool:
        return await self.db.run(lambda c: any_followed_on(c, account))

    async def followed(self, account: str) -> list[FollowedOrder]:
        return await self.db.run(lambda c: followed_orders_on(c, account))

    async def leg_states(self, request_id: str) -> dict[int, LegOrderState]:
        return await self.db.run(lambda c: leg_order_states_on(c, request_id))
