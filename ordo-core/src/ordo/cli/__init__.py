"""The ``ordo`` command line (typer). Built fresh by ``build_cli()``; plugins may add
commands through the ``register_commands`` hook."""

from __future__ import annotations

import typer

from ordo.cli import (
    accounts_cmd,
    adapters,
    audit_cmd,
    config_cmd,
    keys_cmd,
    killswitch_cmd,
    login_cmd,
    orders_cmd,
    plugins_cmd,
    serve_cmd,
    status_cmd,
)


def build_cli() -> typer.Typer:
    app = typer.Typer(
        name="ordo",
        help="Ordo: one resilient REST API over several Indian brokers.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    serve_cmd.register(app)
    plugins_cmd.register(app)
    status_cmd.register(app)
    app.add_typer(audit_cmd.app, name="audit", help="Audit trail tools.")
    app.add_typer(config_cmd.app, name="config", help="Validate configuration files.")
    app.add_typer(adapters.app, name="adapters", help="Check installed adapters.")
    login_cmd.register(app)
    accounts_cmd.register(app)
    app.add_typer(orders_cmd.app, name="orders", help="Order books and cancels.")
    app.add_typer(keys_cmd.app, name="keys", help="Encryption keys for stored secrets.")
    app.add_typer(killswitch_cmd.app, name="kill-switch", help="Refuse or accept new orders.")
    _plugin_commands(app)
    return app


def _plugin_commands(app: typer.Typer) -> None:
    from ordo.plugins import create_plugins

    try:
        plugins = create_plugins()
    except Exception as exc:  # a broken plugin set must not take the whole CLI down
        typer.secho(f"warning: plugins not loaded: {exc}", err=True, fg="yellow")
        return
    plugins.hook.register_commands(cli=app)


def main() -> None:
    build_cli()()
