"""The database audit sink: events are queued on the request path and written in batches by
a background task, so a slow database never delays an order.

The writer lingers a moment after the first event of a batch so that batches are large and
rare: at a hundred orders a second it writes a few times a second instead of after every
event, and each write is split into short transactions so the order path's own
transactions never wait long behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable

from loguru import logger

from ordo.audit.events import AuditEvent
from ordo.hookspecs import hookimpl
from ordo.persistence.db import Database
from ordo.persistence.statements import OrderStatements

DEFAULT_BATCH = 1000
DEFAULT_QUEUE = 10_000
DEFAULT_LINGER = 0.25
"""Seconds the writer waits after a batch's first event for more to arrive."""
DEFAULT_CHUNK = 25
"""Events per transaction."""
STOP_TIMEOUT = 10.0


class DatabaseAuditSink:
    """An ``audit_event`` plugin that stores events with ``OrderStatements.add_audit_events``.

    ``start()`` (on the event loop) launches the writer; ``flush()`` waits until everything
    queued so far is stored; ``stop()`` flushes and ends the writer. The queue is bounded:
    when the database is down for long, new events are dropped and counted (``on_drop``)
    rather than growing memory without limit; the audit file still has them.
    """

    def __init__(
        self,
        db: Database,
        *,
        batch_size: int = DEFAULT_BATCH,
        max_queue: int = DEFAULT_QUEUE,
        linger: float = DEFAULT_LINGER,
        chunk: int = DEFAULT_CHUNK,
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.batch_size = batch_size
        self.linger = linger
        self.chunk = max(1, chunk)
        self.dropped = 0
        self._on_drop = on_drop
        self._queue: asyncio.Queue[AuditEvent] = asyncio.Queue(maxsize=max_queue)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        # Set while someone waits for the queue to drain: the writer stops lingering.
        self._urgent = asyncio.Event()
        self._flushers = 0

    def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name="ordo-audit-db-writer")

    async def flush(self) -> None:
        """Return once every event queued before the call is stored (or dropped)."""
        if self._task is None or self._task.done():
            return
        self._flushers += 1
        self._urgent.set()
        try:
            await self._queue.join()
        finally:
            self._flushers -= 1
            if not self._flushers:
                self._urgent.clear()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._urgent.set()
        if not task.done():
            try:
                await asyncio.wait_for(self._queue.join(), STOP_TIMEOUT)
            except TimeoutError:
                logger.warning("audit database writer did not drain within {}s", STOP_TIMEOUT)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed() and not _on_loop(loop):
            # Emitted from another thread: asyncio queues are not thread-safe.
            loop.call_soon_threadsafe(self._put, event)
            return
        self._put(event)

    def _put(self, event: AuditEvent) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._drop(1)

    def _drop(self, count: int) -> None:
        self.dropped += count
        if self._on_drop is not None:
            self._on_drop(count)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await self._gather_more()
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _gather_more(self) -> None:
        if self.linger <= 0 or self._urgent.is_set():
            return
        if self._queue.qsize() + 1 >= self.batch_size:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._urgent.wait(), self.linger)

    async def _write(self, batch: list[AuditEvent]) -> None:
        for start in range(0, len(batch), self.chunk):
            chunk = batch[start : start + self.chunk]
            try:
                # On the writer thread, never inline: a batch is too long for the event loop.
                await self.db.transact(functools.partial(_store, events=chunk), inline=False)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "audit database write of {} event(s) failed: {}", len(chunk), repr(exc)
                )
                self._drop(len(chunk))


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        # No loop runs in this thread: safe only if ``loop`` is not running anywhere.
        return not loop.is_running()


def _store(statements: OrderStatements, events: list[AuditEvent]) -> int:
    return statements.add_audit_events(events)
