"""``ordo config check``: validate a configuration file without starting the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ordo.cli.options import cli_logging

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="The YAML file to check (default: $ORDO_CONFIG).", dir_okay=False),
    ] = None,
) -> None:
    """Validate settings, accounts, every account's adapter settings and plugin sections, and
    each account's egress on this host (source address bindable, proxy resolvable, no IP
    shared by accounts outside one family)."""
    from rich.console import Console

    from ordo.config import (
        ConfigError,
        load_settings,
        validate_account_settings,
        validate_plugin_sections,
    )
    from ordo.config.errors import without_heading
    from ordo.egress.checks import egresses
    from ordo.extras import check_extras
    from ordo.plugins import create_plugins

    cli_logging()
    console = Console(stderr=True)
    try:
        settings = load_settings(file)
        check_extras(settings.database_url, settings.redis_url)
        plugins = create_plugins(allow=settings.load_plugins, disabled=settings.disabled_adapters)
        validate_account_settings(settings, plugins.registry)
        validate_plugin_sections(settings, plugins.hook)
        egresses(settings.accounts)
    except ConfigError as exc:
        console.print(f"[red]invalid configuration:[/red] {without_heading(exc)}", highlight=False)
        raise typer.Exit(2) from None
    names = ", ".join(settings.accounts) or "none"
    typer.echo(f"configuration OK: {len(settings.accounts)} account(s): {names}")
