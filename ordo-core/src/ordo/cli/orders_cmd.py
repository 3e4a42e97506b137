"""``ordo orders list|history|cancel``: the order books of a running server, one order's
history at its broker, and cancelling.

Placing orders is left to strategies and the SDK on purpose: a shell one-liner is too easy
to run twice.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ordo.cli.display import ist_cell, print_failures, print_table, table
from ordo.cli.remote import (
    DEFAULT_URL,
    EXIT_CODES_HELP,
    EXIT_REFUSED,
    CaCertsOption,
    CertOption,
    KeyOption,
    TokenOption,
    UrlOption,
    connect,
    connection,
    remote_errors,
)

app = typer.Typer(no_args_is_help=True)

UNREADABLE = "UNREADABLE"
"""Shown in place of an account's orders when the account could not be read: an empty
book and an unknown book must never look alike."""


@app.command("list", epilog=EXIT_CODES_HELP)
def list_orders(
    ctx: typer.Context,
    accounts: Annotated[
        str | None, typer.Option("--accounts", "-a", help="Comma-separated account names.")
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only orders still open.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Today's orders per account ("side qty" shows filled/ordered). An account that could
    not be read is shown as UNREADABLE with its reason (never as an empty book) and the exit
    status is 1."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        result = client.orders(accounts)
    rows = [
        (leg.account, order)
        for leg in result.succeeded
        for order in (leg.data or [])
        if not open_only or not order.status.is_terminal
    ]
    unreadable = [*result.failed, *result.unknown]
    if as_json:
        payload: list[dict[str, Any]] = [
            {"account": a, **o.model_dump(mode="json")} for a, o in rows
        ]
        payload += [
            {
                "account": leg.account,
                "unreadable": True,
                "error_code": leg.error_code,
                "message": leg.message,
            }
            for leg in unreadable
        ]
        typer.echo(json.dumps(payload, indent=2))
    else:
        shown = table(
            "Orders (times IST, today)",
            ("account", "order id", "symbol", "side qty", "price", "status", "time"),
            whole=(),
        )
        for account, order in rows:
            shown.add_row(
                account,
                order.order_id,
                f"{order.exchange.value}:{order.symbol}",
                f"{order.side.value} {order.filled_quantity}/{order.quantity}",
                _price(order.order_type.value, order.price),
                order.status.value,
                ist_cell(order.placed_at)[11:] or "-",
            )
        for leg in unreadable:
            shown.add_row(leg.account, UNREADABLE, "-", "-", "-", "-", "-")
        print_table(shown)
    if print_failures(unreadable, heading="accounts that could not be read:"):
        raise typer.Exit(EXIT_REFUSED)


def _price(order_type: str, price: object) -> str:
    return f"{order_type} {price}" if price else order_type


@app.command("history", epilog=EXIT_CODES_HELP)
def history(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account name.")],
    order_id: Annotated[str, typer.Argument(help="The broker's order id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One order's history as its broker records it, oldest first ("filled" shows
    filled/ordered). A broker that reports no order history is refused with
    CAPABILITY_NOT_SUPPORTED (exit status 1)."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        steps = client.order_history(account, order_id)
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in steps], indent=2))
        return
    shown = table(
        f"History of {account}/{order_id} (times IST)",
        ("time", "status", "filled", "price", "average", "message"),
        whole=(),
    )
    for step in steps:
        shown.add_row(
            ist_cell(step.at) or "-",
            step.status.value,
            f"{step.filled_quantity}/{step.quantity}",
            str(step.price or step.trigger_price or "-"),
            str(step.average_price or "-"),
            step.message or "",
        )
    print_table(shown)


@app.command("cancel", epilog=EXIT_CODES_HELP)
def cancel(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account name.")],
    order_id: Annotated[str, typer.Argument(help="The broker's order id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
) -> None:
    """Cancel one open order (allowed while the kill switch is on). A refusal prints the
    broker's reason and exits 1."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        result = client.cancel_order(account, order_id)
    if print_failures([*result.failed, *result.unknown], heading=f"cancel of {order_id}:"):
        raise typer.Exit(EXIT_REFUSED)
    typer.echo(f"cancel accepted for {account}/{order_id}")
