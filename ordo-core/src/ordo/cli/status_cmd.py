"""``ordo status``: the gateway's ``/api/v1/status`` as a table."""

from __future__ import annotations

import json
import ssl
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console, Group
from rich.table import Table

from ordo.cli.display import TABLE_WIDTH, ist, ist_cell, table
from ordo.cli.remote import (
    DEFAULT_URL,
    CaCertsOption,
    CertOption,
    KeyOption,
    TokenOption,
    UrlOption,
    client_tls,
    connection,
)

__all__ = ["client_tls", "fetch_status", "status", "status_table"]


def register(app: typer.Typer) -> None:
    app.command("status")(status)


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
    return f"{last['operation']} {outcome}\n{ist(last['at'])}"


def _egress_route(egress: dict[str, Any]) -> str:
    lines = str(egress["route"]).split(" ", 1)
    if egress.get("family"):
        lines.append(f"family {egress['family']}")
    return "\n".join(lines)


def _egress_state(egress: dict[str, Any]) -> str:
    state = str(egress["state"])
    return f"{state}\nblocked" if egress.get("blocking") else state


def _observed(egress: dict[str, Any]) -> str:
    return f"{egress.get('observed_ip') or '-'}\n{ist_cell(egress.get('checked_at'))}"


def egress_table(document: dict[str, Any]) -> Table | None:
    """Each account's egress, registered IPs, observed IP (and when it was observed) and
    verdict, in 80 columns; ``None`` when no account has an egress."""
    rows = [e for e in document.get("accounts", []) if e.get("egress")]
    if not rows:
        return None
    shown = table(
        "Egress: observed IP (when) vs registered IPs",
        ("account", "egress", "registered", "observed", "state"),
        whole=("observed",),
    )
    for entry in rows:
        egress = entry["egress"]
        shown.add_row(
            entry["name"],
            _egress_route(egress),
            "\n".join(egress.get("registered_ips") or []) or "-",
            _observed(egress),
            _egress_state(egress),
        )
    return shown


def status_table(document: dict[str, Any]) -> Group:
    """The status document as tables that each fit 80 columns: sessions and breakers, then
    each account's last broker call and rate-limit windows, then (when any account has
    one) each account's egress and observed IP."""
    title = f"Ordo {document.get('version', '')}: {document.get('status', '?')} (times IST)"
    sessions = table(
        title,
        ("account", "adapter", "connection", "session", "expires", "breaker"),
        whole=("expires",),
    )
    calls = table("Broker calls and rate limits", ("account", "last call", "rate limits"))
    for entry in document.get("accounts", []):
        sessions.add_row(
            entry["name"],
            entry["adapter"],
            entry["connection"],
            entry["session_state"],
            ist_cell(entry.get("session_expires_at")),
            _breaker(entry),
        )
        calls.add_row(entry["name"], _last_call(entry), _limits(entry))
    egress = egress_table(document)
    return Group(sessions, calls) if egress is None else Group(sessions, calls, egress)


def status(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Show the gateway's health and every account's session, broker, breaker, limits and
    egress (observed IP: match, drift or unknown).

    Exit status: 0 healthy, 3 degraded, 1 refused (e.g. bad token), 2 unreachable or wrong
    options.
    """
    console = Console(stderr=True)
    conn = connection(url, token, ca_certs, cert, key)
    try:
        verify = conn.verify()
        body = fetch_status(url, token, tls=verify if isinstance(verify, ssl.SSLContext) else None)
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
        Console(width=TABLE_WIDTH).print(status_table(document))
    if document.get("status") != "ok":
        raise typer.Exit(3)
