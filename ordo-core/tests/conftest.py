"""Shared fixtures for ordo-core's tests.

- ``clean_ordo_env``: removes every ``ORDO_*`` variable (except ``ORDO_TEST_*``) so a
  developer's environment cannot change what a config test sees.
- ``database``: a fresh, empty ``Database`` on each backend, SQLite (a temp file) and
  PostgreSQL (``ORDO_TEST_POSTGRES_URL``). PostgreSQL runs in a schema of its own, created
  for the test session and dropped (CASCADE) at its end. An unreachable server skips those
  tests locally and fails them when ``CI=true``: the PostgreSQL run is mandatory in CI.
- ``redis_url`` / ``redis_prefix``: the Redis server of ``ORDO_TEST_REDIS_URL`` (same policy:
  skipped locally when unreachable, failed when ``CI=true``) and a key prefix unique to the
  test, whose keys are deleted after it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
import redis
from ordo.persistence import Database
from ordo.replicas import redact_url
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def clean_ordo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("ORDO_") and not name.upper().startswith("ORDO_TEST_"):
            monkeypatch.delenv(name)


def _postgres_url() -> str:
    return os.environ.get("ORDO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _admin(url: str, statement: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """(url, schema) of this test session's private PostgreSQL schema."""
    url = _postgres_url()
    schema = f"ordo_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(url, f'CREATE SCHEMA "{schema}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        message = f"PostgreSQL at {shown} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; the PostgreSQL run is mandatory in CI", pytrace=False)
        pytest.skip(f"{message}; set ORDO_TEST_POSTGRES_URL to run these tests")
    try:
        yield url, schema
    finally:
        asyncio.run(_admin(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def _truncate_all(db: Database) -> None:
    async with db.engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """(url, schema) of the backend under test. Synchronous on purpose: the PostgreSQL
    schema fixture runs its own event loop, which cannot start inside the test's loop."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'ordo.db'}", None
    url, schema = request.getfixturevalue("postgres_schema")
    return url, schema


@pytest.fixture
async def database(database_target: tuple[str, str | None]) -> AsyncIterator[Database]:
    """An empty database with every table, on each backend in turn."""
    url, schema = database_target
    db = Database(url, schema=schema)
    await db.create_all()
    if db.is_postgresql:
        # The schema lives for the whole session; each test starts from empty tables.
        await _truncate_all(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis server's URL, once it answered a PING."""
    url = os.environ.get("ORDO_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            client.ping()
    except (redis.RedisError, OSError) as exc:
        message = f"Redis at {redact_url(url)} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; the Redis run is mandatory in CI", pytrace=False)
        pytest.skip(f"{message}; set ORDO_TEST_REDIS_URL to run these tests")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test (or concurrent test run) uses; its keys go afterwards."""
    prefix = f"ordo-test:{secrets.token_hex(6)}:"
    try:
        yield prefix
    finally:
        with redis.Redis.from_url(redis_url, socket_timeout=3) as client:
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)
