"""Order events from ``GET /api/v1/events`` (Server-Sent Events) as iterators that resume
on their own: each reconnect sends the last event id seen as ``Last-Event-ID``, so no
event is lost or repeated across a dropped connection or a gateway restart.

``Ordo.events()`` and ``AsyncOrdo.events()`` return these iterators.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ordo_client.config import ClientConfig
from ordo_client.endpoints import EVENTS
from ordo_client.errors import OrdoAPIError, error_class_for

RECONNECT_SECONDS = 1.0


@dataclass
class SSEParser:
    """Turns ``text/event-stream`` lines into ``(id, event, data)`` messages."""

    _id: str | None = None
    _event: str = "message"
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> tuple[str | None, str, str] | None:
        if line == "":
            if not self._data:
                self._event = "message"
                return None
            message = (self._id, self._event, "\n".join(self._data))
            self._event, self._data = "message", []
            return message
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            self._id = value
        elif name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


def _params(accounts: Sequence[str] | None, statuses: Iterable[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if accounts:
        params["accounts"] = ",".join(accounts)
    if statuses:
        params["status"] = list(statuses)
    return params


def _headers(config: ClientConfig, last_event_id: int) -> dict[str, str]:
    headers = {"Accept": "text/event-stream", "User-Agent": config.user_agent}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    if last_event_id:
        headers["Last-Event-ID"] = str(last_event_id)
    return headers


def _refusal(response: httpx.Response, body: bytes) -> OrdoAPIError:
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    return error_class_for(response.status_code)(
        str(payload.get("error_code") or f"HTTP_{response.status_code}"),
        str(payload.get("message") or response.reason_phrase),
        request_id=payload.get("request_id"),
        status_code=response.status_code,
    )


def _order_event(message: tuple[str | None, str, str] | None) -> dict[str, Any] | None:
    if message is None or message[1] != "order":
        return None
    event: dict[str, Any] = json.loads(message[2])
    return event


async def aiter_events(
    http: httpx.AsyncClient,
    config: ClientConfig,
    *,
    accounts: Sequence[str] | None = None,
    statuses: Iterable[str] | None = None,
    last_event_id: int = 0,
    reconnect_seconds: float = RECONNECT_SECONDS,
    forever: bool = True,
) -> AsyncGenerator[dict[str, Any], None]:
    """Every order event after ``last_event_id``, oldest first; reconnects after the stream
    ends or the connection drops (``forever=False``: stops at the first end). An error
    answer (bad token, unknown account) raises ``OrdoAPIError``."""
    url = f"{config.base_url}{EVENTS.path}"
    params = _params(accounts, statuses)
    while True:
        try:
            headers = _headers(config, last_event_id)
            async with http.stream("GET", url, params=params, headers=headers) as response:
                if response.status_code != 200:
                    raise _refusal(response, await response.aread())
                parser = SSEParser()
                async for line in response.aiter_lines():
                    event = _order_event(parser.feed(line))
                    if event is not None:
                        last_event_id = int(event["id"])
                        yield event
        except httpx.TransportError:
            pass  # the gateway went away: resume from the last id after a pause
        if not forever:
            return
        await asyncio.sleep(reconnect_seconds)


def iter_events(
    http: httpx.Client,
    config: ClientConfig,
    *,
    accounts: Sequence[str] | None = None,
    statuses: Iterable[str] | None = None,
    last_event_id: int = 0,
    reconnect_seconds: float = RECONNECT_SECONDS,
    forever: bool = True,
) -> Iterator[dict[str, Any]]:
    """The blocking form of ``aiter_events``."""
    url = f"{config.base_url}{EVENTS.path}"
    params = _params(accounts, statuses)
    while True:
        try:
            headers = _headers(config, last_event_id)
            with http.stream("GET", url, params=params, headers=headers) as response:
                if response.status_code != 200:
                    raise _refusal(response, response.read())
                parser = SSEParser()
                for line in response.iter_lines():
                    event = _order_event(parser.feed(line))
                    if event is not None:
                        last_event_id = int(event["id"])
                        yield event
        except httpx.TransportError:
            pass
        if not forever:
            return
        time.sleep(reconnect_seconds)
