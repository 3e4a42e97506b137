"""The ``ordo`` command line (typer). Built fresh by ``build_cli()``.

Each subcommand lives in its own module and is imported only when it runs (or when its own
``--help`` is asked for), so ``ordo --help`` and ``ordo --version`` answer without importing the
gateway, its database layer or any plugin. Plugins may add commands through the
``register_commands`` hook; those are looked up (which loads the plugins) only when a command
name is not one of Ordo's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

# Typer builds click objects (its own vendored click since 0.29, plain click before), so the
# command objects below are typed ``Any`` and told apart by their ``commands`` mapping.
Command = Any


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives: ``module:attr`` is either a ``typer.Typer`` (a group of
    commands) or a ``register(app)`` function adding one command."""

    target: str
    help: str

    def load(self, name: str) -> Command:
        module_name, attr = self.target.split(":")
        obj = getattr(import_module(module_name), attr)
        holder = typer.Typer(add_completion=False)
        if isinstance(obj, typer.Typer):
            # Through add_typer the sub-app stays a group even with a single command.
            holder.add_typer(obj, name=name, help=self.help)
        else:
            obj(holder)
        built = typer.main.get_command(holder)
        command = built.commands[name] if hasattr(built, "commands") else built
        command.name = name
        return plain_help(command)


def plain_help(command: Command) -> Command:
    """Render help with click's own formatter: it shows boolean options as flags (typer's
    rich help labels them ``<bool>``) and needs no rich import to answer ``--help``."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command


COMMANDS: dict[str, LazyCommand] = {
    "serve": LazyCommand("ordo.cli.serve_cmd:register", "Serve the Ordo REST API."),
    "plugins": LazyCommand(
        "ordo.cli.plugins_cmd:register", "List installed plugins, adapters and load errors."
    ),
    "status": LazyCommand(
        "ordo.cli.status_cmd:register", "Health per account of a running gateway."
    ),
    "audit": LazyCommand("ordo.cli.audit_cmd:app", "Audit trail tools."),
    "config": LazyCommand("ordo.cli.config_cmd:app", "Validate configuration files."),
    "adapters": LazyCommand("ordo.cli.adapters:app", "Check installed adapters."),
    "login": LazyCommand("ordo.cli.login_cmd:register", "Log accounts in to their brokers."),
    "accounts": LazyCommand("ordo.cli.accounts_cmd:register", "Accounts of a running gateway."),
    "orders": LazyCommand("ordo.cli.orders_cmd:app", "Order books and cancels."),
    "keys": LazyCommand("ordo.cli.keys_cmd:app", "Encryption keys for stored secrets."),
    "kill-switch": LazyCommand("ordo.cli.killswitch_cmd:app", "Refuse or accept new orders."),
}


def ordo_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ordo-core")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


class LazyGroup(TyperGroup):
    """A root group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Command | None:
        known = super().get_command(ctx, cmd_name)
        if known is not None:
            return known
        lazy = COMMANDS.get(cmd_name)
        if lazy is not None:
            command = lazy.load(cmd_name)
            self.add_command(command, cmd_name)
            return command
        return _plugin_command(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # The one-line help comes from the table, so listing imports no subcommand module.
        rows = [(name, lazy.help) for name, lazy in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
        formatter.write_paragraph()
        formatter.write_text("Plugins may add commands of their own: see `ordo plugins`.")


def _plugin_command(name: str) -> Command | None:
    from ordo.plugins import create_plugins

    try:
        plugins = create_plugins()
    except Exception as exc:  # a broken plugin set must not take the whole CLI down
        typer.secho(f"warning: plugins not loaded: {exc}", err=True, fg="yellow")
        return None
    holder = typer.Typer()
    plugins.hook.register_commands(cli=holder)
    if not holder.registered_commands and not holder.registered_groups:
        return None
    group = typer.main.get_command(holder)
    if hasattr(group, "commands"):
        found = group.commands.get(name)
        return plain_help(found) if found is not None else None
    return plain_help(group) if group.name == name else None


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ordo {ordo_version()}")
        raise typer.Exit()


def build_cli() -> typer.Typer:
    app = typer.Typer(
        name="ordo",
        cls=LazyGroup,
        help="Ordo: one resilient REST API over several Indian brokers.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
    )

    @app.callback()
    def root(
        version: bool = typer.Option(
            False,
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Print the installed ordo-core version and exit.",
        ),
    ) -> None:
        """Ordo: one resilient REST API over several Indian brokers."""

    return app


def main() -> None:
    build_cli()()
