"""Optional drivers behind ordo-core's extras, and the one-line error when one is missing.

The default install serves SQLite only. PostgreSQL (``asyncpg``) comes with
``ordo-core[postgres]`` and Redis with ``ordo-core[redis]``; a setting that needs a driver
that is not installed stops the start with a message naming the extra to install.
"""

from __future__ import annotations

from importlib.util import find_spec

from ordo.config.errors import ConfigError

DRIVERS: dict[str, tuple[str, str]] = {
    "postgres": ("asyncpg", "PostgreSQL"),
    "redis": ("redis", "Redis"),
}
"""extra name -> (the module it installs, what it talks to)."""


class MissingExtraError(ConfigError):
    """A setting needs an optional driver that is not installed."""


def require_extra(extra: str, setting: str) -> None:
    """Raise ``MissingExtraError`` unless the driver behind ``extra`` is importable."""
    module, service = DRIVERS[extra]
    if find_spec(module) is None:
        raise MissingExtraError(
            f"{setting} is set but the {service} driver ({module}) is not installed: "
            f"pip install 'ordo-core[{extra}]'"
        )


def database_extra(url: str) -> str | None:
    """The extra a database URL needs, or ``None`` for SQLite (always installed)."""
    return "postgres" if url.split("://", 1)[0].startswith("postgresql") else None


def check_extras(database_url: str | None, redis_url: str | None) -> None:
    """Fail fast, before anything starts, when a configured backend's driver is missing."""
    if database_url and database_extra(database_url):
        require_extra("postgres", "ORDO_DATABASE_URL")
    if redis_url:
        require_extra("redis", "ORDO_REDIS_URL")
