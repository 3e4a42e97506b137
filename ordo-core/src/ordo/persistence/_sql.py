"""Dialect helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlmodel.ext.asyncio.session import AsyncSession


def upsert_insert(session: AsyncSession | Connection, table: Any) -> Any:
    """An ``INSERT`` supporting ``on_conflict_do_nothing/do_update`` for the session's (or
    connection's) backend (both SQLite and PostgreSQL spell ``ON CONFLICT`` the same way)."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    name = bind.dialect.name
    # Each dialect module is imported only when its backend is in use: the PostgreSQL one
    # alone holds about 4 MiB that a SQLite deployment would carry for nothing.
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")
