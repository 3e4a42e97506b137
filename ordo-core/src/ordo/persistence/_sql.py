"""Dialect helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """An ``INSERT`` supporting ``on_conflict_do_nothing/do_update`` for the session's
    backend (both SQLite and PostgreSQL spell ``ON CONFLICT`` the same way)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database backend {name!r}")
