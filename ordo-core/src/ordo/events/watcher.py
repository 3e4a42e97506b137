"""One order watcher per account session: follows every open order Ordo placed until it is
final, through the broker's push channel where there is one, else (and as a safety net)
by polling the order book through the account's limiter at read priority (orders and
cancels go first)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from loguru import logger

from ordo.errors import AuthFailed, BrokerError, SessionExpired
from ordo.events.channel import Backoff, OrderChannel
from ordo.events.log import EventLog
from ordo.events.model import update_from_order
from ordo.orchestrator.accounts import Account, AccountSet
from ordo.orchestrator.guard import CallGuard, CallKind
from ordo.safety.deadline import Deadline
from ordo.sessions.trading_day import from_earlier_day


class OrderWatcher:
    """Follows one account's open orders for one session."""

    def __init__(
        self,
        account: Account,
        log: EventLog,
        guard: CallGuard,
        *,
        interval: float,
        push_poll_factor: float = 10.0,
        backoff: Backoff | None = None,
        refused_backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.account = account
        self._sleep = sleep
        self.log = log
        self.guard = guard
        self.interval = interval
        self.push_poll_factor = push_poll_factor
        self.backoff = backoff or Backoff()
        """Pauses before reconnecting a socket that dropped or could not be reached."""
        self.refused_backoff = refused_backoff or self.backoff
        """Pauses after the broker refused the session (longer in production)."""
        self.channel: OrderChannel | None = None
        self.push_connected = False
        self.push_opens = 0
        self.polls = 0
        self.push_failures = 0
        self._wake = asyncio.Event()
        self._catch_up = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, channel: OrderChannel | None = None) -> None:
        """Start polling and, where there is one, reading the push channel (``channel``,
        else the adapter's ``order_channel()``)."""
        self._tasks = [asyncio.create_task(self._poll_loop())]
        channel_of = getattr(self.account.adapter, "order_channel", None)
        if channel is None and callable(channel_of):
            channel = channel_of()
        self.channel = channel
        if self.channel is not None:
            self._tasks.append(asyncio.create_task(self.push_loop(self.channel)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    @property
    def unknown_frames(self) -> int:
        return 0 if self.channel is None else self.channel.unknown_frames

    async def poll_once(self) -> int:
        """Read the order book once when Ordo has orders to follow; returns how many new
        events it produced."""
        if not await self.log.following(self.account.name):
            return 0
        adapter = self.account.adapter
        orders = await self.guard.call(
            self.account,
            "list_orders",
            adapter.list_orders,
            kind=CallKind.READ,
            deadline=Deadline.after(max(5.0, self.interval)),
        )
        self.polls += 1
        new = 0
        for order in orders:
            if await self.log.record(update_from_order(self.account.name, adapter.id, order)):
                new += 1
        return new

    def _poll_interval(self) -> float:
        return self.interval * (self.push_poll_factor if self.push_connected else 1.0)

    async def _pause(self) -> None:
        """Wait one poll interval; a change of the channel's state cuts the wait short and
        the interval is measured again from the same start (a channel that goes down
        brings the polls back to their own pace, not to an immediate read)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not self._catch_up:
            remaining = started + self._poll_interval() - loop.time()
            if remaining <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._wake.wait()
        self._catch_up = False

    def _channel_changed(self, *, catch_up: bool = False) -> None:
        self._catch_up = self._catch_up or catch_up
        self._wake.set()

    async def _poll_loop(self) -> None:
        while True:
            # A pause first: a new order is acknowledged when placed, so the first change
            # worth a read comes later (and a restart's burst of logins reads nothing).
            await self._pause()
            try:
                await self.poll_once()
            except SessionExpired:
                return  # the next session starts a new watcher
            except BrokerError as exc:
                logger.info("order watcher of {}: poll failed: {}", self.account.name, exc)
            except Exception as exc:  # the watcher must outlive any one bad reply
                logger.warning("order watcher of {}: poll error: {!r}", self.account.name, exc)

    def _opened(self) -> None:
        self.push_opens += 1
        self.push_connected = True
        self.backoff.reset()
        self.refused_backoff.reset()
        # After a gap, one read of the book catches what the socket could not push.
        self._channel_changed(catch_up=self.push_opens > 1)

    async def push_loop(self, channel: OrderChannel) -> None:
        while True:
            backoff = self.backoff
            try:
                async for update in channel.updates(self._opened):
                    if not self.push_connected:  # a channel that reports no opening
                        self._opened()
                    await self.log.record(update)
            except (AuthFailed, SessionExpired) as exc:
                self.push_failures += 1
                backoff = self.refused_backoff
                logger.warning(
                    "order channel of {} refused the session: {}", self.account.name, exc
                )
            except Exception as exc:  # a dropped socket reconnects after a pause
                self.push_failures += 1
                logger.info("order channel of {} dropped: {!r}", self.account.name, exc)
            if self.push_connected:
                self.push_connected = False
                self._channel_changed()
            await self._sleep(backoff.next_delay())


def dropped_backoff() -> Backoff:
    """Reconnect pauses after a socket dropped: 1 s doubling to 1 min, jittered."""
    return Backoff(first=1.0, cap=60.0, jitter=0.5)


def refused_backoff() -> Backoff:
    """Pauses after the broker refused the session (an expired or revoked token): 30 s
    doubling to 30 min. A new login starts a new watcher anyway; until then the socket
    must not hammer the broker from the account's registered IP."""
    return Backoff(first=30.0, cap=1800.0, jitter=0.2)


def session_fingerprint(account: Account, now: datetime | None = None) -> str | None:
    """A digest of the account's session token (never the token): a new token means a new
    session and a new watcher. ``None`` for no usable session, which includes one from an
    earlier trading day: its watcher (and push socket) stops."""
    session = account.adapter.session
    moment = now or datetime.now(UTC)
    if session is None or session.is_expired(moment) or from_earlier_day(session, moment):
        return None
    token = session.access_token.get_secret_value().encode()
    return hashlib.sha256(token).hexdigest()


class OrderWatchers:
    """One ``OrderWatcher`` per account with a live session; ``sync`` starts, restarts (new
    token only) and stops them."""

    def __init__(
        self,
        accounts: AccountSet,
        log: EventLog,
        guard: CallGuard,
        *,
        interval: float,
        backoff: Callable[[], Backoff] = dropped_backoff,
        refused_backoff: Callable[[], Backoff] = refused_backoff,
    ) -> None:
        self.accounts = accounts
        self.log = log
        self.guard = guard
        self.interval = interval
        self.backoff = backoff
        self.refused_backoff = refused_backoff
        self.running: dict[str, tuple[str, OrderWatcher]] = {}
        self._retired_unknown: dict[str, int] = {}

    async def sync(self) -> None:
        for account in self.accounts:
            fingerprint = session_fingerprint(account, self.guard.clock())
            current = self.running.get(account.name)
            if current is not None and current[0] == fingerprint:
                continue
            if current is not None:
                await self._retire(account.name, current[1])
                del self.running[account.name]
            if fingerprint is not None:
                watcher = OrderWatcher(
                    account,
                    self.log,
                    self.guard,
                    interval=self.interval,
                    backoff=self.backoff(),
                    refused_backoff=self.refused_backoff(),
                )
                watcher.start()
                self.running[account.name] = (fingerprint, watcher)

    def unknown_frames(self) -> dict[str, int]:
        """Push frames skipped for their unknown shape, per account, since the start (a
        counter: earlier sessions' watchers included)."""
        counts = dict(self._retired_unknown)
        for name, (_, watcher) in self.running.items():
            counts[name] = counts.get(name, 0) + watcher.unknown_frames
        return counts

    async def _retire(self, name: str, watcher: OrderWatcher) -> None:
        await watcher.stop()
        self._retired_unknown[name] = self._retired_unknown.get(name, 0) + watcher.unknown_frames

    async def stop(self) -> None:
        for name, (_, watcher) in self.running.items():
            await self._retire(name, watcher)
        self.running.clear()
