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
from rich.table import Table

from ordo.cli.remote import DEFAULT_URL, TokenOption, UrlOption, connect, remote_errors

app = typer.Typer(no_args_is_help=True)

ReasonOption = Annotated[
    str,
    typer.Option("--reason", "-r", help="Why (recorded in the audit trail).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the state as JSON.")]


def _show(state: KillSwitchState, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(state.model_dump(mode="json"), indent=2))
        return
    word = "[red]ON[/red]: new and modified orders are refused" if state.active else "OFF"
    console = Console(highlight=False)
    console.print(f"kill switch {word}")
    if state.changed_at is not None:
        console.print(f"changed {state.changed_at.isoformat()} by {state.actor or '?'}: ", end="")
        console.print(state.reason or "-", markup=False)


def _cancelled_table(change: KillSwitchChange) -> Table:
    table = Table(title="Cancelling open orders")
    for column in ("account", "status", "detail"):
        table.add_column(column)
    for leg in change.cancelled:
        table.add_row(leg.account, leg.status.value, _leg_detail(leg.data, leg.message))
    return table


def _leg_detail(data: Any, message: str) -> str:
    if not isinstance(data, dict):
        return message
    cancelled = data.get("cancelled") or []
    failed = data.get("failed") or []
    text = f"{len(cancelled)} cancelled"
    if failed:
        text += f", {len(failed)} failed: " + "; ".join(
            f"{f.get('error_code')} {f.get('message')}" for f in failed
        )
    return text


@app.command("on")
def switch_on(
    ctx: typer.Context,
    reason: ReasonOption,
    cancel_open_orders: Annotated[
        bool,
        typer.Option("--cancel-open-orders", help="Also cancel every open order on every account."),
    ] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse every new and modified order from now on (cancels still pass)."""
    with connect(ctx, url, token) as client, remote_errors(url):
        change = client.engage_kill_switch(reason, cancel_open_orders=cancel_open_orders)
    _show(change, as_json)
    if cancel_open_orders and not as_json:
        Console(width=160).print(_cancelled_table(change))


@app.command("off")
def switch_off(
    ctx: typer.Context,
    reason: ReasonOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept orders again."""
    with connect(ctx, url, token) as client, remote_errors(url):
        state = client.release_kill_switch(reason)
    _show(state, as_json)


@app.command("status")
def switch_status(
    ctx: typer.Context,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show whether the kill switch is on, since when, by whom and why.

    Exit status: 0 off, 3 on (for scripts), 1 refused, 2 unreachable."""
    with connect(ctx, url, token) as client, remote_errors(url):
        state = client.kill_switch()
    _show(state, as_json)
    if state.active:
        raise typer.Exit(3)
