"""Dialect helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def upsert_insert(session: AsyncSession | Connection, table: Any) -> Any:
    """An ``INSERT`` supporting ``on_conflict_do_nothing/do_update`` for the session's (or
    connection's) backend (both SQLite and PostgreSQL spell ``ON CONFLICT`` the same way)."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    name = bind.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")
