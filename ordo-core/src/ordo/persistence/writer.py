"""Short transactions on a dedicated SQLite connection, one thread hop each.

Through aiosqlite every statement, fetch, commit and pool check-out is a separate trip to
the driver's thread and back to the event loop; a four-statement unit of work costs a dozen
trips. ``SqliteWriter`` runs a whole unit of work (a plain function over a synchronous
SQLAlchemy ``Connection``) on one stdlib ``sqlite3`` connection in one worker thread, so it
costs a single trip. The single thread also serialises Ordo's own writes, so they queue in
order instead of racing for SQLite's write lock (whose busy handler sleeps for milliseconds).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from loguru import logger
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from ordo.persistence.types import json_dumps

T = TypeVar("T")
Work = Callable[[Connection], T]
"""A unit of work: runs inside one transaction, committed when it returns."""
RawWork = Callable[[sqlite3.Connection], T]
"""A unit of work on the stdlib connection itself (SQL text, no SQLAlchemy)."""

SQLITE_BUSY_TIMEOUT_MS = 15_000
CHECKPOINT_EVERY = 500
"""Inline commits between two checkpoints requested from the writer thread."""


def configure_sqlite(engine: Engine, *, wal: bool, begin: str = "BEGIN") -> None:
    """Connection pragmas and explicit transaction control for a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver: pysqlite's implicit BEGIN breaks
        # SQLAlchemy's transaction semantics (SQLAlchemy docs, "Serializable isolation").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


class SqliteWriter:
    """Runs units of work on one connection to the SQLite file at ``url``, in one thread.

    Created lazily on first use (no thread or connection before that); ``close()`` ends
    both. Transactions start with ``BEGIN IMMEDIATE``: the write lock is taken up front, so a
    unit of work that reads before it writes waits for the lock instead of failing with
    "database is locked" half-way.
    """

    def __init__(self, url: URL, *, inline: bool = True) -> None:
        self.url = url.set(drivername="sqlite+pysqlite")
        self.inline = inline
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._inline_conn: sqlite3.Connection | None = None
        self._inline_lock = threading.Lock()
        self._inline_commits = 0

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in one committed transaction on the writer thread; its exception
        (after rollback) propagates."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), self._transact, work)

    async def run_raw(self, work: RawWork[T], *, inline: bool = True) -> T:
        """Like ``run``, but ``work`` gets a ``sqlite3`` connection and must be quick: SQL text
        on a few rows, no waiting on anything else.

        With ``inline`` (the default, unless this writer was built without) it runs here on
        the event loop when the write lock is free at once: a transaction of a few
        statements takes tens of microseconds, less than the two thread switches (and the
        wait for the GIL after each) it saves. When another connection holds the lock (this
        writer's thread storing a batch of audit events, another process) it queues on the
        writer thread like ``run``, which waits for the lock there, never on the event loop.
        """
        if inline and self.inline and self._inline_lock.acquire(blocking=False):
            try:
                conn = self._inline_connection()
                if _begin_at_once(conn):
                    result = _commit(conn, work)
                    self._inline_commits += 1
                    if self._inline_commits % CHECKPOINT_EVERY == 0:
                        self._pool().submit(self._checkpoint)
                    return result
            finally:
                self._inline_lock.release()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), self._transact_raw, work)

    def _inline_connection(self) -> sqlite3.Connection:
        conn = self._inline_conn
        if conn is None:
            conn = self._inline_conn = _connect_inline(self.url.database or "")
        return conn

    def _checkpoint(self) -> None:
        # The inline connection never checkpoints (that would copy pages on the event loop);
        # the writer thread does, so the WAL file stays small.
        try:
            self._raw_connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # the next one may succeed; nothing waits for this
            logger.warning("SQLite checkpoint failed: {}", repr(exc))

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="ordo-sqlite-writer")
            return self._executor

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is None:
            # Kept open: checking a connection out of the pool and resetting it on return
            # would cost more than the unit of work itself.
            self._engine = self._engine or self._create_engine()
            conn = self._conn = self._engine.connect()
        return conn

    def _transact(self, work: Work[T]) -> T:
        conn = self._connection()
        with conn.begin():
            return work(conn)

    def _raw_connection(self) -> sqlite3.Connection:
        # The driver is in autocommit mode (``configure_sqlite``), so a transaction on it is
        # ours to begin and end; SQLAlchemy's connection has none open between units of work
        # (never execute through it outside ``_transact``: that would auto-begin one).
        raw: sqlite3.Connection = self._connection().connection.dbapi_connection  # type: ignore[assignment]
        return raw

    def _transact_raw(self, work: RawWork[T]) -> T:
        raw = self._raw_connection()
        raw.execute("BEGIN IMMEDIATE")
        return _commit(raw, work)

    def _create_engine(self) -> Engine:
        engine = create_engine(
            self.url,
            json_serializer=json_dumps,
            # One connection, only ever used by the writer thread.
            pool_size=1,
            max_overflow=0,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        configure_sqlite(engine, wal=True, begin="BEGIN IMMEDIATE")
        return engine

    async def close(self) -> None:
        """Close the connection and end the thread (after the work already queued)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(executor, self._dispose_engine)
        executor.shutdown(wait=False)

    def _dispose_engine(self) -> None:
        with self._inline_lock:
            inline, self._inline_conn = self._inline_conn, None
        if inline is not None:
            inline.close()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()


def _connect_inline(database: str) -> sqlite3.Connection:
    # timeout=0: a busy database fails BEGIN at once (and the work goes to the thread)
    # instead of sleeping in SQLite's busy handler on the event loop.
    conn = sqlite3.connect(database, timeout=0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    return conn


def _begin_at_once(conn: sqlite3.Connection) -> bool:
    """Take the write lock if it is free now; ``False`` when another connection holds it."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return False
        raise
    return True


def _commit(conn: sqlite3.Connection, work: RawWork[T]) -> T:
    """Run ``work`` in the transaction open on ``conn``; commit, or roll back and re-raise."""
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result
