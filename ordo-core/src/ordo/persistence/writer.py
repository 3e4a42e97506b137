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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from ordo.persistence.types import json_dumps

T = TypeVar("T")
Work = Callable[[Connection], T]
"""A unit of work: runs inside one transaction, committed when it returns."""

SQLITE_BUSY_TIMEOUT_MS = 15_000


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

    def __init__(self, url: URL) -> None:
        self.url = url.set(drivername="sqlite+pysqlite")
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in one committed transaction on the writer thread; its exception
        (after rollback) propagates."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), self._transact, work)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="ordo-sqlite-writer")
            return self._executor

    def _transact(self, work: Work[T]) -> T:
        conn = self._conn
        if conn is None:
            # Kept open: checking a connection out of the pool and resetting it on return
            # would cost more than the unit of work itself.
            self._engine = self._engine or self._create_engine()
            conn = self._conn = self._engine.connect()
        with conn.begin():
            return work(conn)

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
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()
