"""``ordo accounts``: configured accounts and their session state, from a running server."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ordo.cli.remote import DEFAULT_URL, TokenOption, UrlOption, connect, remote_errors


def register(app: typer.Typer) -> None:
    app.command("accounts")(accounts)


def accounts(
    ctx: typer.Context,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List accounts: adapter, session state, login time and expiry."""
    with connect(ctx, url, token) as client, remote_errors(url):
        rows = client.accounts()
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table(title="Ordo accounts")
    for column in ("account", "adapter", "session", "logged in", "expires"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name,
            row.adapter,
            row.session_state.value,
            row.logged_in_at.isoformat(timespec="seconds") if row.logged_in_at else "-",
            row.expires_at.isoformat(timespec="seconds") if row.expires_at else "-",
        )
    Console(width=160).print(table)
