"""The async database: one engine per process, sessions on demand.

SQLite (the default, through aiosqlite) runs in WAL mode with a busy timeout so readers
never block the writer and concurrent writers wait instead of failing; foreign keys are on.
PostgreSQL runs through asyncpg; ``schema`` sets its ``search_path`` so tests (or several
deployments sharing one database) each get their own schema.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import ordo.persistence.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from ordo.extras import require_extra
from ordo.persistence.sqlite_raw import SqliteStatements, compile_order_path
from ordo.persistence.statements import CoreStatements, OrderStatements
from ordo.persistence.types import json_dumps
from ordo.persistence.writer import SQLITE_BUSY_TIMEOUT_MS, SqliteWriter, configure_sqlite

T = TypeVar("T")
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Database:
    """An async engine and session factory for ``url``.

    ``async with db.session() as session:`` yields a session whose uncommitted work is
    rolled back on exit; the repositories commit their own units of work. ``await
    db.run(work)`` runs a short unit of work in one transaction, the cheapest way to the
    database on the order path.
    """

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url: URL = make_url(url)
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ValueError("schema names use lowercase letters, digits and '_'")
        if schema is not None and not self.is_postgresql:
            raise ValueError("a schema can only be set for PostgreSQL")
        self.schema = schema
        self.engine: AsyncEngine = self._create_engine(echo)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writer = SqliteWriter(self.url) if self._is_sqlite_file else None

    @property
    def _is_sqlite_file(self) -> bool:
        database = self.url.database or ""
        return self.is_sqlite and not _in_memory(database)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def _create_engine(self, echo: bool) -> AsyncEngine:
        options: dict[str, Any] = {"echo": echo, "json_serializer": json_dumps}
        if self.is_sqlite:
            return self._sqlite_engine(options)
        if self.is_postgresql:
            require_extra("postgres", "ORDO_DATABASE_URL")
            options["pool_pre_ping"] = True
            if self.schema is not None:
                options["connect_args"] = {"server_settings": {"search_path": self.schema}}
        return create_async_engine(self.url, **options)

    def _sqlite_engine(self, options: dict[str, Any]) -> AsyncEngine:
        database = self.url.database or ""
        in_memory = _in_memory(database)
        if in_memory:
            # One shared connection, or every pooled connection would see its own database.
            options["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_async_engine(self.url, **options)
        configure_sqlite(engine.sync_engine, wal=not in_memory)
        return engine

    async def create_all(self) -> None:
        """Create the schema (PostgreSQL, when set) and every table that does not exist; on
        a SQLite file, compile the order path's statements for the fast path."""
        async with self.engine.begin() as conn:
            if self.schema is not None:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            await conn.run_sync(SQLModel.metadata.create_all)
            await conn.run_sync(add_missing_columns)
        if self._writer is not None:
            compile_order_path()

    async def drop_schema(self) -> None:
        """Drop the PostgreSQL schema with everything in it (test teardown)."""
        if self.schema is None:
            raise ValueError("no schema set")
        async with self.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A new session; anything left uncommitted is rolled back when the block ends."""
        async with self._sessions() as session:
            yield session

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(connection)`` in one transaction, committed when it returns and rolled
        back when it raises.

        ``work`` is synchronous SQLAlchemy Core over ``connection`` and must not block on
        anything but the database. On a SQLite file it runs on the dedicated writer thread
        (one thread hop for the whole transaction); elsewhere (PostgreSQL, in-memory SQLite)
        through the async engine with ``run_sync``.
        """
        if self._writer is not None:
            return await self._writer.run(work)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def transact(self, work: Callable[[OrderStatements], T], *, inline: bool = True) -> T:
        """Run ``work(statements)`` in one transaction, like ``run``: the order path's units
        of work. On a SQLite file the statements are SQL text on a stdlib ``sqlite3``
        connection (no SQLAlchemy per statement), run on the event loop when the write lock
        is free and ``inline`` (``SqliteWriter.run_raw``), else on the writer thread;
        elsewhere SQLAlchemy Core."""
        if self._writer is not None:
            return await self._writer.run_raw(
                lambda raw: work(SqliteStatements(raw)), inline=inline
            )
        return await self.run(lambda conn: work(CoreStatements(conn)))

    async def dispose(self) -> None:
        """Close every pooled connection and the writer thread."""
        if self._writer is not None:
            await self._writer.close()
        await self.engine.dispose()

    def __repr__(self) -> str:
        # Never print the password part of the URL.
        return f"<Database {self.url.render_as_string(hide_password=True)}>"


def add_missing_columns(conn: Connection) -> list[str]:
    """Add the nullable columns a newer Ordo declares to tables an older one created
    (``create_all`` creates missing tables only); returns ``table.column`` of each added."""
    existing = inspect(conn)
    added = []
    for table in SQLModel.metadata.sorted_tables:
        if not existing.has_table(table.name):
            continue
        present = {column["name"] for column in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
            added.append(f"{table.name}.{column.name}")
    return added


def _in_memory(database: str) -> bool:
    return database in ("", ":memory:") or database.startswith("file::memory")
