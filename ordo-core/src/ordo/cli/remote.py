"""What every command that talks to a running gateway shares: the ``--url``/``--token``
options (``ORDO_URL``/``ORDO_TOKEN``), building an ``ordo_client.Ordo``, and turning client
errors into one clear line and a non-zero exit status.

Tests reach an in-process gateway by passing ``RemoteDeps(transport=...)`` as the click
context object (``CliRunner().invoke(app, args, obj=RemoteDeps(...))``): dependency
injection through the context, so nothing global is patched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, NoReturn

import httpx
import typer
from ordo_client import Ordo
from ordo_client.errors import (
    OrdoAPIError,
    OrdoAuthError,
    OrdoConfigError,
    OrdoConnectionError,
    OrdoError,
    OrdoResponseError,
)
from ordo_client.retry import RetryPolicy
from rich.console import Console

DEFAULT_URL = "http://127.0.0.1:8000"
EXIT_REFUSED = 1
"""The server answered, but refused (bad token, unknown account, a failed login)."""
EXIT_UNREACHABLE = 2
"""No usable answer: the server is down, the URL is wrong, or the options are."""

UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="ORDO_URL",
        help="Address of the running Ordo server (default: $ORDO_URL or 127.0.0.1:8000).",
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="ORDO_TOKEN",
        help="API bearer token (default: $ORDO_TOKEN).",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class RemoteDeps:
    """Injected into the click context (``obj``) to replace the network, for tests."""

    transport: httpx.BaseTransport | None = None


def stderr() -> Console:
    """Where messages for the user go; stdout stays for results."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    stderr().print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(code)


def connect(ctx: typer.Context, url: str, token: str | None) -> Ordo:
    """A client for the gateway at ``url``. One attempt per call: a person is waiting, and
    a login answer must never be sent twice."""
    if not token:
        fail("no API token: pass --token or set ORDO_TOKEN", EXIT_UNREACHABLE)
    deps = ctx.find_object(RemoteDeps) or RemoteDeps()
    try:
        return Ordo(
            url,
            token,
            timeout=httpx.Timeout(30.0, connect=5.0),
            retry=RetryPolicy(max_attempts=1),
            transport=deps.transport,
            user_agent="ordo-cli",
            env={},
        )
    except OrdoConfigError as exc:
        fail(str(exc), EXIT_UNREACHABLE)


@contextmanager
def remote_errors(url: str) -> Iterator[None]:
    """Turn the client's connection, token and server errors into a one-line message."""
    try:
        yield
    except OrdoConnectionError as exc:
        cause = exc.__cause__
        reason = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
        fail(
            f"cannot reach the Ordo server at {url}{reason}: is `ordo serve` running "
            "there? (set --url or ORDO_URL)",
            EXIT_UNREACHABLE,
        )
    except OrdoAuthError as exc:
        if exc.status_code == 401:
            fail(
                f"the server at {url} refused the API token (401 {exc.error_code}): "
                "check --token or ORDO_TOKEN"
            )
        fail(f"the API token may not do this (403 {exc.error_code}): {exc.message}")
    except OrdoAPIError as exc:
        fail(f"{exc.error_code}: {exc.message}")
    except OrdoResponseError as exc:
        fail(f"unexpected answer from {url}: {exc.message}", EXIT_UNREACHABLE)
    except OrdoError as exc:
        fail(str(exc), EXIT_UNREACHABLE)
