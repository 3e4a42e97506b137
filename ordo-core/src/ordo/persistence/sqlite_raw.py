"""The order path's Core statements, compiled once for SQLite and run on a stdlib ``sqlite3``
connection.

SQLAlchemy spends more time per execution (parameter processing, result set set-up,
compiled-cache lookups) than SQLite spends running these few statements, which run on
every order. So each Core statement of ``persistence.statements`` is compiled for the
SQLite dialect once, the first time it runs (``Database`` compiles the order path's at
start-up): its SQL text, its parameters in positional order, and the column types' own
converters (``UTCDateTime`` to naive UTC text, JSON through ``json_dumps``, states to their
values, and back for result rows). Executing it is then binding values and one
``sqlite3`` call, with exactly the conversions SQLAlchemy would apply, so rows written
this way and through SQLAlchemy read back the same.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

from ordo.persistence.statements import ORDER_PATH, OrderStatements
from ordo.persistence.types import json_dumps, to_utc

Processor = Callable[[Any], Any] | None
_REQUIRED = object()


@functools.cache
def _dialect() -> Dialect:
    """The dialect the statements are compiled for: the same JSON serializer as the engines."""
    dialect: Dialect = sqlite.dialect(json_serializer=json_dumps)
    return dialect


def sqlite_time(value: datetime) -> str:
    """``value`` as ``UTCDateTime`` stores it on SQLite: naive UTC, always with microseconds."""
    return to_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def parse_sqlite_time(value: str | None) -> datetime | None:
    """A stored datetime back as timezone-aware UTC."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Param:
    name: str
    """The key in the caller's values."""
    index: int | None
    """The position within an expanding (``IN``) parameter's list."""
    constant: Any
    """The value bound in the statement itself, or ``_REQUIRED``."""
    convert: Processor


@dataclass(frozen=True)
class SqliteStatement:
    """One Core statement compiled for SQLite: SQL text, parameter order and converters."""

    sql: str
    params: tuple[_Param, ...]
    columns: tuple[str, ...]
    """The names of the result columns (none for a statement that returns no rows)."""
    converters: tuple[Processor, ...]
    expanding: tuple[str, ...]
    """The expanding (``IN``) parameters: compiled again for each number of values."""

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional parameters for ``values`` (keys as in the Core statement)."""
        bound = []
        for param in self.params:
            if param.constant is not _REQUIRED:
                value = param.constant
            elif param.index is None:
                value = values[param.name]
            else:
                value = values[param.name][param.index]
            bound.append(value if param.convert is None else param.convert(value))
        return bound

    def row(self, row: Sequence[Any]) -> dict[str, Any]:
        """A result row as its columns' Python values."""
        return {
            name: value if convert is None or value is None else convert(value)
            for name, value, convert in zip(self.columns, row, self.converters, strict=True)
        }


def _bind_processor(bind: Any) -> Processor:
    processor: Processor = bind.type._cached_bind_processor(_dialect())
    return processor


def _params(compiled: SQLCompiler, names: Iterable[str]) -> tuple[_Param, ...]:
    params = []
    for name in names:
        bind = compiled.binds.get(name)
        if bind is not None:
            constant = _REQUIRED if bind.required or bind.callable else bind.effective_value
            params.append(_Param(name, None, constant, _bind_processor(bind)))
            continue
        # One element of an expanding parameter: ``b_tags_2`` is ``values["b_tags"][1]``.
        base, _, position = name.rpartition("_")
        expanding = compiled.binds[base]
        params.append(_Param(base, int(position) - 1, _REQUIRED, _bind_processor(expanding)))
    return tuple(params)


@functools.cache
def compile_for_sqlite(
    statement: Executable, keys: frozenset[str], expanded: tuple[tuple[str, int], ...] = ()
) -> SqliteStatement:
    """``statement`` compiled for SQLite with the value ``keys`` the caller passes (an
    ``INSERT`` or ``UPDATE`` sets those columns), each expanding parameter in ``expanded``
    rendered for that many values; cached, so each form is compiled once."""
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=_dialect(), column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    sql = compiled.string
    names: Sequence[str] = compiled.positiontup or ()
    expanding = tuple(name for name in names if compiled.binds[name].expanding)
    if expanded:
        state = compiled.construct_expanded_state({name: [None] * n for name, n in expanded})
        sql, names = state.statement, state.positiontup or ()
    columns = tuple(column[0] for column in compiled._result_columns)
    converters = tuple(
        column[3]._cached_result_processor(_dialect(), None) for column in compiled._result_columns
    )
    return SqliteStatement(sql, _params(compiled, names), columns, converters, expanding)


def _compiled(statement: Executable, values: Mapping[str, Any]) -> SqliteStatement:
    keys = frozenset(values)
    compiled = compile_for_sqlite(statement, keys)
    if not compiled.expanding:
        return compiled
    counts = tuple((name, len(values[name])) for name in compiled.expanding)
    return compile_for_sqlite(statement, keys, counts)


class SqliteExecutor:
    """Runs Core statements on a ``sqlite3`` connection in a transaction, each compiled once
    (``compile_for_sqlite``); the same interface as ``persistence.statements.CoreExecutor``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def count(self, statement: Executable, values: Mapping[str, Any]) -> int:
        """Run a write; returns how many rows it changed."""
        compiled = _compiled(statement, values)
        return self.conn.execute(compiled.sql, compiled.bind(values)).rowcount

    def returned(self, statement: Executable, values: Mapping[str, Any]) -> Any:
        """Run a statement; returns the first column of its first row, or ``None``."""
        compiled = _compiled(statement, values)
        row = self.conn.execute(compiled.sql, compiled.bind(values)).fetchone()
        return None if row is None else compiled.row(row)[compiled.columns[0]]

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a query; returns its rows as column values."""
        compiled = _compiled(statement, values)
        cursor = self.conn.execute(compiled.sql, compiled.bind(values))
        return [compiled.row(row) for row in cursor]

    def many(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a write once per row (each with the first row's keys)."""
        if rows:
            compiled = _compiled(statement, rows[0])
            self.conn.executemany(compiled.sql, [compiled.bind(row) for row in rows])


class SqliteStatements(OrderStatements):
    """``OrderStatements`` on a ``sqlite3`` connection in a transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(SqliteExecutor(conn))


def compile_order_path() -> None:
    """Compile the order path's fixed statements for SQLite now (at start-up), not on the
    first order; the forms that depend on the values given compile on first use."""
    for statement in ORDER_PATH:
        compile_for_sqlite(statement, frozenset())
