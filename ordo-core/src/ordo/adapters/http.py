"""Shared HTTP plumbing for adapters: one pooled client per account, TLS always verified,
explicit timeouts, and the mapping of transport failures onto the error contract."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated

import httpx
from pydantic import Field

from ordo.adapters.base import AdapterSettings
from ordo.adapters.egress import DEFAULT_LIMITS, Egress
from ordo.adapters.errors import BrokerError, BrokerUnavailable, OutcomeUnknown

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)


class HttpSettings(AdapterSettings):
    """Base of the settings of an adapter that talks HTTP: every broker call gets explicit
    connect and read timeouts (some official SDKs set none and hang on a dead socket)."""

    connect_timeout: Annotated[float, Field(gt=0, le=60)] = 5.0
    """Seconds to open a connection; a call that times out here never reached the broker."""
    read_timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    """Seconds to wait for each read (and write) of a reply."""

    def http_timeout(self) -> httpx.Timeout:
        """The ``httpx.Timeout`` for these settings (pool waits count as connecting)."""
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )


def build_http_client(
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
    egress: Egress | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with keep-alive pooling, verified TLS and explicit timeouts.

    ``egress`` (the account's, ``AdapterContext.egress``) makes every connection leave
    through it: bound to its source address or through its proxy. ``transport`` lets tests
    route calls to an in-process fake instead (it wins over ``egress``).
    """
    if transport is None and egress is not None:
        transport = egress.httpx_transport(limits=DEFAULT_LIMITS)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        verify=True,
        headers=headers,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
    )


def transport_error(exc: httpx.HTTPError, *, write: bool) -> BrokerError:
    """Classify a transport failure.

    A failure before the request left (connect error or timeout, DNS, pool exhausted) proves
    the broker never saw it. After sending, a write may have taken effect, so it becomes
    ``OutcomeUnknown``; a read is just unavailable.
    """
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if never_sent or not write:
        return BrokerUnavailable(f"broker unreachable: {type(exc).__name__}")
    return OutcomeUnknown(f"no reply after sending: {type(exc).__name__}")


def retry_after_seconds(headers: Mapping[str, str], default: float = 1.0) -> float:
    """Seconds a broker asked us to wait: ``X-Retry-After-Ms`` (Fyers) first, then
    ``Retry-After`` as seconds or an HTTP date; names in any case. A missing, negative or
    unreadable value is ``default``."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _non_negative(lowered.get("x-retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    raw = lowered.get("retry-after")
    seconds = _non_negative(raw)
    if seconds is not None:
        return seconds
    if raw:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is not None:
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return default


def _non_negative(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number >= 0 else None
