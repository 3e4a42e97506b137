"""``ordo accounts``: configured accounts and their session state, from a running server."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ordo.cli.display import ist_cell, print_table, table
from ordo.cli.remote import (
    DEFAULT_URL,
    EXIT_CODES_HELP,
    CaCertsOption,
    CertOption,
    KeyOption,
    TokenOption,
    UrlOption,
    connect,
    connection,
    remote_errors,
)


def register(app: typer.Typer) -> None:
    app.command("accounts", epilog=EXIT_CODES_HELP)(accounts)


def accounts(
    ctx: typer.Context,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List accounts: adapter, session state, login time and expiry (IST)."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        rows = client.accounts()
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    shown = table(
        "Ordo accounts (IST)",
        ("account", "adapter", "session", "logged in", "expires"),
        whole=("logged in", "expires"),
    )
    for row in rows:
        shown.add_row(
            row.name,
            row.adapter,
            row.session_state.value,
            ist_cell(row.logged_in_at),
            ist_cell(row.expires_at),
        )
    print_table(shown)
