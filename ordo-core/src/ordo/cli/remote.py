"""What every command that talks to a running gateway shares: the connection options
(``--url``, ``--token``, ``--ca-certs``, ``--cert``, ``--key`` and their environment
variables), building an ``ordo_client.Ordo``, and turning client errors into one clear line
and a non-zero exit status.

The token comes from ``--token``, else ``ORDO_TOKEN``, else ``ORDO_API_TOKEN`` (the variable
the server reads, so one exported variable serves both on one machine).

Tests reach an in-process gateway by passing ``RemoteDeps(transport=...)`` as the click
context object (``CliRunner().invoke(app, args, obj=RemoteDeps(...))``): dependency
injection through the context, so nothing global is patched.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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

from ordo.cli.display import print_failures

DEFAULT_URL = "http://127.0.0.1:8000"
EXIT_REFUSED = 1
"""The server answered, but refused (bad token, unknown account, a failed login)."""
EXIT_UNREACHABLE = 2
"""No usable answer: the server is down, the URL is wrong, or the options are."""
EXIT_CODES_HELP = (
    "Exit status: 0 done; 1 the server refused or part of the work failed (each account's "
    "reason is printed); 2 the server is unreachable or the options are wrong."
)

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
        envvar=["ORDO_TOKEN", "ORDO_API_TOKEN"],
        help="API bearer token (default: $ORDO_TOKEN, else $ORDO_API_TOKEN).",
        show_default=False,
        show_envvar=False,
    ),
]
CaCertsOption = Annotated[
    Path | None,
    typer.Option(
        "--ca-certs",
        envvar="ORDO_CLI_CA_CERTS",
        help="CA bundle (PEM) to verify the server's TLS certificate (default: the system "
        "store; $ORDO_CLI_CA_CERTS).",
        show_default=False,
        dir_okay=False,
    ),
]
CertOption = Annotated[
    Path | None,
    typer.Option(
        "--cert",
        "--client-cert",
        envvar="ORDO_CLI_CERT",
        help="Client certificate (PEM) for mTLS; may hold the key too ($ORDO_CLI_CERT).",
        show_default=False,
        dir_okay=False,
    ),
]
KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        "--client-key",
        envvar="ORDO_CLI_KEY",
        help="Private key (PEM) of --cert, when not in the same file ($ORDO_CLI_KEY).",
        show_default=False,
        dir_okay=False,
    ),
]


@dataclass(frozen=True)
class Connection:
    """Where the server is and how to prove who we are: the shared connection options."""

    url: str = DEFAULT_URL
    token: str | None = None
    ca_certs: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    def problem(self) -> str | None:
        """Why these options cannot work together, or ``None``."""
        tls_given = [
            flag
            for flag, value in (
                ("--ca-certs", self.ca_certs),
                ("--cert", self.cert),
                ("--key", self.key),
            )
            if value is not None
        ]
        if self.key is not None and self.cert is None:
            return "--key needs --cert (the client certificate it belongs to)"
        if tls_given and not self.url.lower().startswith("https://"):
            return f"{', '.join(tls_given)} need an https:// --url (got {self.url})"
        for flag, path in (
            ("--ca-certs", self.ca_certs),
            ("--cert", self.cert),
            ("--key", self.key),
        ):
            if path is not None and not path.is_file():
                return f"{flag}: no such file: {path}"
        return None

    def verify(self) -> ssl.SSLContext | bool:
        """What to verify the server against, presenting the client certificate if any."""
        if not self.url.lower().startswith("https://"):
            return True
        return client_tls(self.ca_certs, self.cert, self.key)


def connection(
    url: str, token: str | None, ca_certs: Path | None, cert: Path | None, key: Path | None
) -> Connection:
    """The shared options as one value; exits 2 with the reason when they conflict."""
    conn = Connection(url, token, ca_certs, cert, key)
    problem = conn.problem()
    if problem:
        fail(problem, EXIT_UNREACHABLE)
    return conn


def client_tls(
    ca_certs: Path | None = None, client_cert: Path | None = None, client_key: Path | None = None
) -> ssl.SSLContext:
    """Verification against ``ca_certs`` (default: the system store), presenting a client
    certificate when given (mTLS)."""
    context = ssl.create_default_context(cafile=str(ca_certs) if ca_certs else None)
    if client_cert is not None:
        context.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    return context


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


def connect(ctx: typer.Context, conn: Connection) -> Ordo:
    """A client for the gateway of ``conn``. One attempt per call: a person is waiting, and
    a login answer must never be sent twice."""
    if not conn.token:
        fail("no API token: pass --token or set ORDO_TOKEN (or ORDO_API_TOKEN)", EXIT_UNREACHABLE)
    deps = ctx.find_object(RemoteDeps) or RemoteDeps()
    try:
        verify = conn.verify()
    except (OSError, ssl.SSLError) as exc:
        fail(f"cannot load the TLS files: {exc}", EXIT_UNREACHABLE)
    try:
        return Ordo(
            conn.url,
            conn.token,
            timeout=httpx.Timeout(30.0, connect=5.0),
            verify=verify,
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
        legs = [] if exc.result is None else [*exc.result.failed, *exc.result.unknown]
        if legs:
            # Each account's own reason (the broker's message), not only the summary.
            print_failures(legs, heading=f"{exc.error_code}: {exc.message}")
            raise typer.Exit(EXIT_REFUSED) from None
        fail(f"{exc.error_code}: {exc.message}")
    except OrdoResponseError as exc:
        fail(f"unexpected answer from {url}: {exc.message}", EXIT_UNREACHABLE)
    except OrdoError as exc:
        fail(str(exc), EXIT_UNREACHABLE)
