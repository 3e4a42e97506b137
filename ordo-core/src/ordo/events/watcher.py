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
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.account = account
        self._sleep = sleep
        self.log = log
        self.guard = guard
        self.interval = interval
        self.push_poll_factor = push_poll_factor
        self.backoff = backoff or Backoff()
        self.push_connected = False
        self.polls = 0
        self.push_failures = 0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._poll_loop())]
        channel_of = getattr(self.account.adapter, "order_channel", None)
        channel = channel_of() if callable(channel_of) else None
        if channel is not None:
            self._tasks.append(asyncio.create_task(self.push_loop(channel)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

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

    async def _poll_loop(self) -> None:
        while True:
            # A pause first: a new order is acknowledged when placed, so the first change
            # worth a read comes later (and a restart's burst of logins reads nothing).
            await asyncio.sleep(
                self.interval * (self.push_poll_factor if self.push_connected else 1.0)
            )
            try:
                await self.poll_once()
            except SessionExpired:
                return  # the next session starts a new watcher
            except BrokerError as exc:
                logger.info("order watcher of {}: poll failed: {}", self.account.name, exc)
            except Exception as exc:  # the watcher must outlive any one bad reply
                logger.warning("order watcher of {}: poll error: {!r}", self.account.name, exc)

    async def push_loop(self, channel: OrderChannel) -> None:
        while True:
            try:
                async for update in channel.updates():
                    self.push_connected = True
                    self.backoff.reset()
                    await self.log.record(update)
            except (AuthFailed, SessionExpired) as exc:
                self.push_failures += 1
                logger.warning(
                    "order channel of {} refused the session: {}", self.account.name, exc
                )
            except Exception as exc:  # a dropped socket reconnects after a pause
                self.push_failures += 1
                logger.info("order channel of {} dropped: {!r}", self.account.name, exc)
            self.push_connected = False
            await self._sleep(self.backoff.next_delay())


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
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.accounts = accounts
        self.log = log
        self.guard = guard
        self.interval = interval
        self.backoff = backoff
        self.running: dict[str, tuple[str, OrderWatcher]] = {}

    async def sync(self) -> None:
        for account in self.accounts:
            fingerprint = session_fingerprint(account, self.guard.clock())
            current = self.running.get(account.name)
            if current is not None and current[0] == fingerprint:
                continue
            if current is not None:
                await current[1].stop()
                del self.running[account.name]
            if fingerprint is not None:
                watcher = OrderWatcher(
                    account, self.log, self.guard, interval=self.interval, backoff=self.backoff()
                )
                watcher.start()
                self.running[account.name] = (fingerprint, watcher)

    async def stop(self) -> None:
        for _, watcher in self.running.values():
            await watcher.stop()
        self.running.clear()
