"""``ordo status``: the gateway's ``/api/v1/status`` as a table."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

DEFAULT_URL = "http://127.0.0.1:8000"


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def client_tls(
    ca_certs: Path | None = None, client_cert: Path | None = None, client_key: Path | None = None
) -> ssl.SSLContext:
    """Verification against ``ca_certs`` (default: the system store), presenting a client
    certificate when given (mTLS)."""
    context = ssl.create_default_context(cafile=str(ca_certs) if ca_certs else None)
    if client_cert is not None:
        context.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    return context


def fetch_status(
    url: str,
    token: str | None,
    *,
    tls: ssl.SSLContext | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """GET ``<url>/api/v1/status`` and return the envelope's body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(
        base_url=url,
        headers=headers,
        verify=tls if tls is not None else True,
        timeout=10.0,
        transport=transport,
    ) as client:
        response = client.get("/api/v1/status")
    body: dict[str, Any] = response.json()
    return body


def _breaker(entry: dict[str, Any]) -> str:
    breaker = entry.get("breaker")
    return str(breaker.get("state")) if breaker else "-"


def _limits(entry: dict[str, Any]) -> str:
    parts = []
    for window in entry.get("rate_limits") or []:
        available = window.get("available")
        left = "?" if available is None else str(available)
        parts.append(f"{window['scope']} {left}/{window['max_calls']} per {window['period']:g}s")
    return "\n".join(parts) or "-"


def _last_call(entry: dict[str, Any]) -> str:
    last = entry.get("last_call")
    if not last:
        return "-"
    outcome = last["outcome"] if not last.get("error_code") else last["error_code"]
    return f"{last['operation']} {outcome}\n{last['at']}"


def status_table(document: dict[str, Any]) -> Table:
    """The status document as a rich table, one row per account."""
    table = Table(title=f"Ordo {document.get('version', '')}: {document.get('status', '?')}")
    for column in (
        "account",
        "adapter",
        "connection",
        "session",
        "expires",
        "last login",
        "last call",
        "breaker",
        "rate limits",
    ):
        table.add_column(column)
    for entry in document.get("accounts", []):
        table.add_row(
            entry["name"],
            entry["adapter"],
            entry["connection"],
            entry["session_state"],
            entry.get("session_expires_at") or "-",
            entry.get("last_login_at") or "-",
            _last_call(entry),
            _breaker(entry),
            _limits(entry),
        )
    return table


def status(
    url: Annotated[
        str, typer.Option(envvar="ORDO_URL", help="Gateway address (default 127.0.0.1:8000).")
    ] = DEFAULT_URL,
    token: Annotated[
        str | None, typer.Option(envvar="ORDO_TOKEN", help="API bearer token.", show_default=False)
    ] = None,
    ca_certs: Annotated[
        Path | None, typer.Option(help="CA bundle to verify the gateway's TLS certificate.")
    ] = None,
    client_cert: Annotated[
        Path | None, typer.Option(help="Client certificate (PEM) for mTLS.")
    ] = None,
    client_key: Annotated[Path | None, typer.Option(help="Client key (PEM) for mTLS.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Show the gateway's health and every account's session, broker, breaker and limits.

    Exit status: 0 healthy, 3 degraded, 1 refused (e.g. bad token), 2 unreachable.
    """
    console = Console(stderr=True)
    try:
        tls = client_tls(ca_certs, client_cert, client_key) if url.startswith("https") else None
        body = fetch_status(url, token, tls=tls)
    except (httpx.HTTPError, ValueError, OSError) as exc:
        console.print(f"[red]cannot reach {url}:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(2) from None
    if body.get("status") != "success":
        console.print(f"[red]{body.get('error_code')}:[/red] {body.get('message')}")
        raise typer.Exit(1)
    document = body["data"]
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        Console(width=200).print(status_table(document))
    if document.get("status") != "ok":
        raise typer.Exit(3)
