"""The shared, I/O-free core of both clients: build a request, read the envelope, decide on
retries. ``exchange()`` is a generator that yields what to do next (send this request, or
sleep this long) and is driven by a thin sync or async transport, so the two clients share
every decision and differ only in how they wait.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from pydantic import ValidationError

from ordo_client.config import ClientConfig
from ordo_client.errors import (
    OrdoAPIError,
    OrdoConnectionError,
    OrdoResponseError,
    error_class_for,
)
from ordo_client.results import FanoutResult
from ordo_client.retry import RetryMode, parse_retry_after

T = TypeVar("T")

REQUEST_ID_HEADER = "X-Request-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Reply:
    """A decoded response: what a parser needs."""

    status_code: int
    headers: httpx.Headers
    body: Any


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation, ready to send: method, path, parameters, and how to parse the
    answer. ``idempotency_key`` is sent unchanged on every attempt."""

    method: str
    path: str
    parse: Callable[[Reply], T]
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    idempotency_key: str | None = None
    retry: RetryMode = RetryMode.SAFE
    fanout: bool = False
    """The answer carries per-account ``results``, even when every account failed."""


@dataclass(frozen=True)
class Sleep:
    """Wait this many seconds, then resume the exchange with ``None``."""

    seconds: float


Step = httpx.Request | Sleep
Outcome = httpx.Response | httpx.RequestError | None


def build_request(call: Call[Any], config: ClientConfig) -> httpx.Request:
    headers = {"Accept": "application/json", "User-Agent": config.user_agent}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    if call.idempotency_key is not None:
        headers[IDEMPOTENCY_HEADER] = call.idempotency_key
    content: bytes | None = None
    if call.body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(call.body, separators=(",", ":")).encode()
    return httpx.Request(
        call.method,
        config.base_url + call.path,
        params=dict(call.params) if call.params else None,
        headers=headers,
        content=content,
    )


def exchange(call: Call[T], config: ClientConfig) -> Generator[Step, Outcome, T]:
    """Send ``call`` with bounded retries; return the parsed result or raise a typed error.

    The driver answers each yielded request with the ``httpx.Response`` (body read) or the
    ``httpx.RequestError`` it raised, and each ``Sleep`` with ``None``.
    """
    policy = config.retry
    rng = policy.rng()
    attempt = 0
    while True:
        attempt += 1
        outcome = yield build_request(call, config)
        delay: float | None
        if isinstance(outcome, httpx.RequestError):
            delay = policy.delay_after_transport_error(
                outcome, attempt=attempt, mode=call.retry, rng=rng
            )
            if delay is None:
                raise OrdoConnectionError(
                    f"{call.method} {call.path} failed after {attempt} attempt(s): "
                    f"{type(outcome).__name__}: {outcome}",
                    attempts=attempt,
                    idempotency_key=call.idempotency_key,
                ) from outcome
        elif isinstance(outcome, httpx.Response):
            try:
                return interpret(call, outcome)
            except OrdoAPIError as error:
                delay = policy.delay_after_status(
                    error.status_code,
                    error.retry_after,
                    attempt=attempt,
                    mode=call.retry,
                    keyed=call.idempotency_key is not None,
                    rng=rng,
                )
                if delay is None:
                    raise
        else:
            raise TypeError(f"exchange expects a response or a transport error, got {outcome!r}")
        yield Sleep(delay)


def decode(response: httpx.Response) -> Any:
    """The JSON body, or ``None`` when there is none or it is not JSON (say, a proxy's HTML
    error page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def interpret(call: Call[T], response: httpx.Response) -> T:
    """Parse a 2xx answer with the call's parser; raise the typed error for anything else."""
    body = decode(response)
    reply = Reply(response.status_code, response.headers, body)
    if 200 <= response.status_code < 300:
        if not isinstance(body, dict):
            raise OrdoResponseError(
                f"{call.method} {call.path}: expected a JSON envelope, got "
                f"{response.headers.get('content-type', 'no content type')}",
                request_id=response.headers.get(REQUEST_ID_HEADER),
            )
        try:
            return call.parse(reply)
        except (ValidationError, KeyError, TypeError) as exc:
            raise OrdoResponseError(
                f"{call.method} {call.path}: the response does not match the client's "
                f"models ({exc})",
                request_id=body.get("request_id"),
            ) from exc
    raise api_error(call, reply)


def api_error(call: Call[Any], reply: Reply) -> OrdoAPIError:
    """The typed exception for an error answer, with per-account results when present."""
    body = reply.body if isinstance(reply.body, dict) else {}
    request_id = body.get("request_id") or reply.headers.get(REQUEST_ID_HEADER)
    retry_after = parse_retry_after(reply.headers.get("Retry-After"))
    result: FanoutResult[Any] | None = None
    code = body.get("error_code")
    if call.fanout and isinstance(body.get("results"), list):
        try:
            parsed = call.parse(reply)
        except (ValidationError, KeyError, TypeError):
            parsed = None
        if isinstance(parsed, FanoutResult):
            result = parsed
            leg_codes = {leg.error_code for leg in parsed.results if leg.error_code}
            code = code or (leg_codes.pop() if len(leg_codes) == 1 else "ALL_ACCOUNTS_FAILED")
    if not isinstance(code, str):
        code = f"HTTP_{reply.status_code}"
    message = body.get("message")
    if not isinstance(message, str) or not message:
        message = f"{call.method} {call.path} answered HTTP {reply.status_code}"
    return error_class_for(reply.status_code)(
        code,
        message,
        request_id=request_id if isinstance(request_id, str) else None,
        status_code=reply.status_code,
        details=body.get("details"),
        retry_after=retry_after,
        result=result,
    )
