"""``ordo kill-switch on|off|status``: the gateway's kill switch, through the API (FR17).

While the switch is on, the server refuses every new and modified order before any broker
call; cancels still pass. Switching it is audited with the token's name and the reason.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from ordo_client import KillSwitchChange, KillSwitchState
from rich.console import Console

from ordo.cli.display import TABLE_WIDTH, ist, print_table, table
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

ReasonOption = Annotated[
    str,
    typer.Option("--reason", "-r", help="Why (recorded in the audit trail).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the state as JSON.")]


def _show(state: KillSwitchState) -> None:
    word = "[red]ON[/red]: new and modified orders are refused" if state.active else "OFF"
    console = Console(highlight=False)
    console.print(f"kill switch {word}")
    if state.changed_at is not None:
        console.print(f"changed {ist(state.changed_at)} by {state.actor or '?'}: ", end="")
        console.print(state.reason or "-", markup=False)


def cancel_rows(change: KillSwitchChange) -> list[tuple[str, str, str, str]]:
    """(account, order id, result, detail) for every order the switch tried to cancel, and
    one row for each account whose open orders could not even be listed."""
    rows: list[tuple[str, str, str, str]] = []
    for leg in change.cancelled:
        data: Any = leg.data
        if leg.status.value != "success" or not isinstance(data, dict):
            detail = f"{leg.error_code or 'ERROR'} {leg.message}".strip()
            rows.append((leg.account, "-", "UNREADABLE: none cancelled", detail))
            continue
        for order_id in data.get("cancelled") or []:
            rows.append((leg.account, str(order_id), "cancelled", ""))
        for failure in data.get("failed") or []:
            detail = f"{failure.get('error_code') or 'ERROR'} {failure.get('message') or ''}"
            rows.append(
                (leg.account, str(failure.get("order_id") or "?"), "FAILED", detail.strip())
            )
    return rows


def cancel_failed(rows: list[tuple[str, str, str, str]]) -> bool:
    return any(result != "cancelled" for _, _, result, _ in rows)


@app.command("on", epilog=EXIT_CODES_HELP)
def switch_on(
    ctx: typer.Context,
    reason: ReasonOption,
    cancel_open_orders: Annotated[
        bool,
        typer.Option("--cancel-open-orders", help="Also cancel every open order on every account."),
    ] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse every new and modified order from now on (cancels still pass). With
    --cancel-open-orders, every cancel result is listed and the exit status is 1 when any
    order could not be cancelled (or an account's orders could not be read)."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        change = client.engage_kill_switch(reason, cancel_open_orders=cancel_open_orders)
    rows = cancel_rows(change)
    if as_json:
        typer.echo(json.dumps(change.model_dump(mode="json"), indent=2))
    else:
        _show(change)
        if cancel_open_orders:
            shown = table("Cancelling open orders", ("account", "order id", "result"))
            for account, order_id, result, _ in rows:
                shown.add_row(account, order_id, result)
            if not rows:
                shown.add_row("-", "-", "no open orders")
            print_table(shown)
            out = Console(width=TABLE_WIDTH, highlight=False)
            for account, order_id, result, detail in rows:
                if result != "cancelled":
                    # The broker's own words, whole, under the table.
                    out.print(f"{account} {order_id}: {detail}", markup=False)
            done = sum(1 for row in rows if row[2] == "cancelled")
            typer.echo(f"{done} cancelled, {len(rows) - done} not cancelled")
    if cancel_open_orders and cancel_failed(rows):
        Console(stderr=True, highlight=False).print(
            "error: some open orders were NOT cancelled (see above); they may still fill",
            markup=False,
        )
        raise typer.Exit(EXIT_REFUSED)


@app.command("off", epilog=EXIT_CODES_HELP)
def switch_off(
    ctx: typer.Context,
    reason: ReasonOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept orders again."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        state = client.release_kill_switch(reason)
    if as_json:
        typer.echo(json.dumps(state.model_dump(mode="json"), indent=2))
    else:
        _show(state)


@app.command("status")
def switch_status(
    ctx: typer.Context,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    ca_certs: CaCertsOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show whether the kill switch is on, since when, by whom and why.

    Exit status: 0 off, 3 on (for scripts), 1 refused, 2 unreachable."""
    with (
        connect(ctx, connection(url, token, ca_certs, cert, key)) as client,
        remote_errors(url),
    ):
        state = client.kill_switch()
    if as_json:
        typer.echo(json.dumps(state.model_dump(mode="json"), indent=2))
    else:
        _show(state)
    if state.active:
        raise typer.Exit(3)
