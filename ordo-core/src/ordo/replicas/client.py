"""Building the Redis client that replicas share state through."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

DEFAULT_PREFIX = "ordo:"
"""Prefix of every key and channel Ordo uses, so one Redis can serve other tools too."""
MAX_CONNECTIONS = 50
"""Connections one replica opens at most; a burst of admissions beyond it waits its turn."""


def connect_redis(url: str, *, timeout: float = 1.0) -> Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``). Nothing connects
    until the first command.

    Timeouts are short and there is one quick retry: a rate-limit admission waits for this
    answer, and a Redis that does not answer within a second must fail the request safely
    (``RATE_LIMITED``) rather than hold it until the request deadline.
    """
    # A blocking pool: a burst of concurrent admissions (every read of a burst of orders
    # asks for the shared pause) waits up to ``timeout`` for a free connection, where the
    # default pool would refuse the 101st outright and fail its request.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), 1),
        health_check_interval=30,
    )
    client = Redis(connection_pool=pool)
    # The pool is this client's alone: closing the client closes it.
    client.auto_close_connection_pool = True
    return client


def redact_url(url: str) -> str:
    """``url`` without its password (in the authority or a ``password=`` query option), for
    logs and messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(parts.query)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
