"""The kill switch (FR17): one flag that stops every new and modified order.

The flag lives in memory so that checking it costs nothing and takes effect at once, and is
persisted through two callbacks (the persistence layer's kill-switch row) so that it
survives a restart. Activation sets the flag *before* persisting: by the time
``activate()`` returns, every later ``ensure_allows("place")`` fails, including for orders
already waiting in a rate-limit queue (the limiter calls ``ensure_allows`` through its
``before_send`` hook right before the broker call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from ordo.errors import KillSwitchActive

OrderAction = Literal["place", "modify", "cancel", "exit"]
"""``exit``: an order that only reduces an open position (the exit-all-positions path
checks that before it asks), let through like a cancel."""


@dataclass(frozen=True)
class KillSwitchState:
    """The kill switch as persisted and as reported by ``GET /api/v1/kill-switch``."""

    active: bool
    reason: str | None = None
    actor: str | None = None
    """The name of the API token (or ``cli``) that made the change."""
    changed_at: datetime | None = None


class KillSwitch:
    """In-memory kill switch with async persistence.

    ``load`` returns the persisted state (``None`` when never set); ``save`` persists one.
    Call ``await start()`` once before use; ``ensure_allows`` raises ``RuntimeError`` until
    then, because an unknown persisted state must not silently read as "off".
    """

    def __init__(
        self,
        load: Callable[[], Awaitable[KillSwitchState | None]],
        save: Callable[[KillSwitchState], Awaitable[None]],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._load = load
        self._save = save
        self._now = now
        self._state = KillSwitchState(active=False)
        self._started = False
        self._version = 0
        # Saves run one at a time and in order, so the last change is the one persisted.
        self._save_lock = asyncio.Lock()

    async def start(self) -> None:
        """Load the persisted state. A change made before ``start`` wins over it."""
        if self._started:
            return
        loaded = await self._load()
        if loaded is not None:
            self._state = loaded
        self._started = True

    @property
    def started(self) -> bool:
        return self._started

    @property
    def active(self) -> bool:
        return self._state.active

    @property
    def state(self) -> KillSwitchState:
        return self._state

    async def activate(self, reason: str, actor: str) -> KillSwitchState:
        """Turn the switch on. The flag is set before this coroutine first yields, so no
        order passing ``ensure_allows`` after the call began can reach a broker; then the
        state is persisted (a failing save leaves the switch on and raises)."""
        self._version += 1
        self._state = KillSwitchState(
            active=True, reason=reason, actor=actor, changed_at=self._now()
        )
        self._started = True
        async with self._save_lock:
            await self._save(self._state)
        return self._state

    async def deactivate(self, reason: str, actor: str) -> KillSwitchState:
        """Turn the switch off. Persisted first, then applied: if the save fails the switch
        stays on, and an activation made meanwhile is never undone."""
        self._version += 1
        version = self._version
        new = KillSwitchState(active=False, reason=reason, actor=actor, changed_at=self._now())
        async with self._save_lock:
            if version != self._version:
                # A newer change arrived while we waited; it wins and persists itself.
                return self._state
            await self._save(new)
            # An activation that raced the save keeps its flag and persists after us (the
            # lock is first-come, first-served), so disk ends up matching memory.
            if version == self._version:
                self._state = new
                self._started = True
        return self._state

    async def apply_remote(
        self, resolve: Callable[[KillSwitchState], Awaitable[KillSwitchState | None]]
    ) -> bool:
        """Adopt a state another replica persisted, without saving it again.

        ``resolve(current)`` reads the shared state and returns the one to adopt (``None``:
        keep the current one). It runs while no local change is being saved, so a change
        made here and not yet published cannot be overwritten by an older remote one.
        Returns whether the state changed.
        """
        async with self._save_lock:
            state = await resolve(self._state)
            if state is None or state == self._state:
                return False
            self._state = state
            return True

    def ensure_allows(self, kind: OrderAction) -> None:
        """Raise ``KillSwitchActive`` for ``place``/``modify`` while the switch is on;
        ``cancel`` and ``exit`` always pass (reducing exposure is what a kill switch is for)."""
        if not self._started:
            raise RuntimeError("KillSwitch.start() must be awaited before orders are checked")
        if kind in ("cancel", "exit"):
            return
        if self._state.active:
            raise KillSwitchActive(self._state, kind)

    def __repr__(self) -> str:
        return f"<KillSwitch active={self.active}>"
