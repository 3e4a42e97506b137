"""``ordo orders list|cancel``: the order books of a running server, and cancelling.

Placing orders is left to strategies and the SDK on purpose: a shell one-liner is too easy
to run twice.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ordo.cli.remote import DEFAULT_URL, TokenOption, UrlOption, connect, fail, remote_errors

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_orders(
    ctx: typer.Context,
    accounts: Annotated[
        str | None, typer.Option("--accounts", "-a", help="Comma-separated account names.")
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only orders still open.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Today's orders per account; accounts that could not answer are listed after."""
    with connect(ctx, url, token) as client, remote_errors(url):
        result = client.orders(accounts)
    rows = [
        (leg.account, order)
        for leg in result.succeeded
        for order in (leg.data or [])
        if not open_only or not order.status.is_terminal
    ]
    if as_json:
        payload = [{"account": a, **o.model_dump(mode="json")} for a, o in rows]
        typer.echo(json.dumps(payload, indent=2))
    else:
        table = Table(title="Orders")
        for column in ("account", "order id", "symbol", "side", "qty", "filled", "type", "price"):
            table.add_column(column)
        table.add_column("status")
        for account, order in rows:
            table.add_row(
                account,
                order.order_id,
                f"{order.exchange.value}:{order.symbol}",
                order.side.value,
                str(order.quantity),
                str(order.filled_quantity),
                order.order_type.value,
                str(order.price or "-"),
                order.status.value,
            )
        Console(width=180).print(table)
    for leg in result.failed:
        Console(stderr=True, highlight=False).print(
            f"{leg.account}: {leg.error_code} {leg.message}", markup=False
        )
    if result.failed:
        raise typer.Exit(1)


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account name.")],
    order_id: Annotated[str, typer.Argument(help="The broker's order id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Cancel one open order (allowed while the kill switch is on)."""
    with connect(ctx, url, token) as client, remote_errors(url):
        result = client.cancel_order(account, order_id)
    for leg in result.failed + result.unknown:
        fail(f"{leg.account}: {leg.error_code} {leg.message}")
    typer.echo(f"cancel accepted for {account}/{order_id}")
