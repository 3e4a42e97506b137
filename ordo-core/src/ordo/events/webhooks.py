"""Signed webhook delivery from the persisted outbox (``webhook_outbox``).

The outbox rows are written in the event's own transaction, so an event stored before a
crash is delivered after the restart; each row is delivered at least once and carries the
event id for the receiver's dedupe. A failed delivery is retried with exponential backoff;
a webhook that fails ``pause_after`` times in a row is paused (shown in ``/status``) and
probed once per ``pause_seconds`` until it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from loguru import logger

from ordo.config.webhooks import WebhookConfig
from ordo.events.model import OrderEvent
from ordo.events.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from ordo.persistence.db import Database
from ordo.persistence.order_events import (
    Delivery,
    due_deliveries_on,
    mark_delivered_on,
    mark_failed_on,
    undelivered_count_on,
)
from ordo.persistence.webhook_state import (
    StoredWebhookState,
    save_webhook_state_on,
    webhook_states_on,
)


@dataclass
class WebhookHealth:
    """What ``/status`` shows of one webhook."""

    name: str
    consecutive_failures: int = 0
    paused_until: float | None = None
    last_error: str | None = None
    delivered: int = 0
    last_success_at: datetime | None = field(default=None)

    @property
    def paused(self) -> bool:
        return self.paused_until is not None


def router_for(webhooks: Sequence[WebhookConfig]) -> Callable[[OrderEvent], list[str]]:
    """The webhook names that want an event (their account and status filters)."""

    def route(event: OrderEvent) -> list[str]:
        return [w.name for w in webhooks if w.wants(event.account, event.status)]

    return route


class WebhookDispatcher:
    """Delivers due outbox rows; ``run`` loops until cancelled."""

    def __init__(
        self,
        db: Database,
        webhooks: Sequence[WebhookConfig],
        *,
        client: httpx.AsyncClient | None = None,
        base_delay: float = 1.0,
        max_delay: float = 600.0,
        pause_after: int = 10,
        pause_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 10.0,
    ) -> None:
        self.db = db
        self.webhooks = {w.name: w for w in webhooks}
        self._client = client
        self._own_client = client is None
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.pause_after = pause_after
        self.pause_seconds = pause_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self.timeout = timeout
        self.health = {name: WebhookHealth(name) for name in self.webhooks}
        self._wake = asyncio.Event()

    async def load(self) -> None:
        """Take up each webhook's failure streak and pause where the last run left them
        (a restart does not unpause a failing URL)."""
        stored = await self.db.run(webhook_states_on)
        now = self.wall_clock()
        for name, health in self.health.items():
            state = stored.get(name)
            if state is None:
                continue
            health.consecutive_failures = state.consecutive_failures
            health.last_error = state.last_error
            if state.paused_until is not None:
                left = max(0.0, (state.paused_until - now).total_seconds())
                health.paused_until = self.clock() + left

    async def _save(self, health: WebhookHealth) -> None:
        paused_until = None
        if health.paused_until is not None:
            left = max(0.0, health.paused_until - self.clock())
            paused_until = self.wall_clock() + timedelta(seconds=left)
        state = StoredWebhookState(
            health.name, health.consecutive_failures, paused_until, health.last_error
        )
        await self.db.run(lambda c: save_webhook_state_on(c, state))

    def wake(self) -> None:
        """A new event may have queued deliveries."""
        self._wake.set()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self, idle: float = 1.0) -> None:
        while True:
            # Cleared before the pass: an event stored during it wakes the next one.
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as exc:  # the database may be briefly away; keep going
                logger.warning("webhook delivery pass failed: {!r}", exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle):
                    await self._wake.wait()

    async def deliver_due(self) -> int:
        """Attempt every due delivery once; returns how many were delivered."""
        if not self.webhooks:
            return 0
        now = datetime.now(UTC)
        due = await self.db.run(lambda c: due_deliveries_on(c, now))
        delivered = 0
        for delivery in due:
            if await self._attempt(delivery):
                delivered += 1
        return delivered

    async def _attempt(self, delivery: Delivery) -> bool:
        config = self.webhooks.get(delivery.webhook)
        health = self.health.get(delivery.webhook)
        if config is None or health is None:
            return False  # removed from the configuration: kept, not sent
        if health.paused_until is not None and self.clock() < health.paused_until:
            return False
        body = delivery.event.model_dump_json().encode()
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(config.secret.get_secret_value(), stamp, body),
            EVENT_ID_HEADER: str(delivery.event.id),
        }
        error: str | None = None
        try:
            response = await self.client.post(config.url, content=body, headers=headers)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        at = datetime.now(UTC)
        if error is None:
            await self.db.run(lambda c: mark_delivered_on(c, delivery.id, at))
            recovered = health.consecutive_failures > 0 or health.paused_until is not None
            health.consecutive_failures = 0
            health.paused_until = None
            health.last_error = None
            health.delivered += 1
            health.last_success_at = at
            if recovered:
                await self._save(health)
            return True
        delay = min(self.max_delay, self.base_delay * (2**delivery.attempts))
        next_at = at + timedelta(seconds=delay)
        await self.db.run(
            lambda c: mark_failed_on(c, delivery.id, next_attempt_at=next_at, error=error)
        )
        health.consecutive_failures += 1
        health.last_error = error
        if health.consecutive_failures >= self.pause_after:
            if health.paused_until is None:
                logger.warning(
                    "webhook {} paused after {} failed deliveries: {}",
                    config.name,
                    health.consecutive_failures,
                    error,
                )
            health.paused_until = self.clock() + self.pause_seconds
        await self._save(health)
        return False

    async def describe(self) -> list[dict[str, Any]]:
        """Each webhook's health for ``/status`` (the URL without credentials or query)."""
        out = []
        for name, config in self.webhooks.items():
            health = self.health[name]
            pending = await self.db.run(partial(undelivered_count_on, webhook=name))
            out.append(
                {
                    "name": name,
                    "url": _display_url(config.url),
                    "paused": health.paused,
                    "consecutive_failures": health.consecutive_failures,
                    "pending": pending,
                    "delivered": health.delivered,
                    "last_error": health.last_error,
                }
            )
        return out


def _display_url(url: str) -> str:
    parts = httpx.URL(url)
    return str(parts.copy_with(username=None, password=None, query=None, fragment=None))
