"""``ordo plugins``: what is installed, what each plugin provides, what failed to load."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from ordo.cli.options import ConfigOption

if TYPE_CHECKING:
    from ordo.plugins import PluginInfo


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins)


def plugins(
    all: Annotated[bool, typer.Option("--all", help="Include built-in plugins.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """List installed plugins: name, version, hooks, adapter ids, capabilities, load errors.

    Honours ORDO_LOAD_PLUGINS and ORDO_DISABLED_ADAPTERS (and the configuration file), so
    it shows what `ordo serve` would load. Exit status: 0 listed, 1 a plugin failed to load
    (after listing the others, naming it on stderr), 2 invalid configuration."""
    from ordo.cli.options import cli_logging
    from ordo.config import ConfigError, load_settings
    from ordo.config.errors import without_heading
    from ordo.plugins import create_plugins

    cli_logging()
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        typer.echo(f"invalid configuration: {without_heading(exc)}", err=True)
        raise typer.Exit(2) from None
    loaded = create_plugins(
        allow=settings.load_plugins,
        disabled=settings.disabled_adapters,
        trace=settings.trace_plugins,
    )
    listing = loaded.listing(include_builtin=all)
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in listing], indent=2))
    else:
        print_table(listing)
    if loaded.load_errors:  # each was logged as one line when it failed
        raise typer.Exit(1)


def print_table(listing: list[PluginInfo]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ordo plugins")
    for column in ("name", "version", "hooks", "adapters", "capabilities", "load error"):
        table.add_column(column)
    for info in listing:
        caps = "; ".join(f"{a}: {', '.join(c)}" for a, c in info.capabilities.items())
        table.add_row(
            info.name,
            info.version or "-",
            ", ".join(info.hooks) or "-",
            ", ".join(info.adapters) or "-",
            caps or "-",
            info.load_error or "",
        )
    Console(width=200).print(table)
