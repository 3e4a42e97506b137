"""``ordo serve``: run the gateway with uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
import ssl as ssl_module
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from loguru import logger
from pydantic import SecretStr
from rich.console import Console

from ordo.api.app import create_app, plugins_from_settings
from ordo.cli.options import ConfigOption
from ordo.config import (
    ConfigError,
    Settings,
    demo_settings,
    load_settings,
    validate_account_settings,
)
from ordo.heap import FreezeHeapAtStartup
from ordo.logs import install_logging, route_stdlib_logging
from ordo.plugins import Plugins
from ordo.runtime import OrdoRuntime


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def transport_problem(settings: Settings) -> str | None:
    """Why the server must not start on this address, or ``None``.

    Plain HTTP is allowed on loopback only, unless a TLS proxy terminates in front.
    """
    if is_loopback(settings.host) or settings.behind_proxy:
        return None
    if settings.certfile and settings.keyfile:
        return None
    return (
        f"refusing to serve plain HTTP on non-loopback address {settings.host}: bearer tokens "
        "would cross the network in clear. Give --certfile and --keyfile to serve TLS, or "
        "--behind-proxy (ORDO_BEHIND_PROXY=true) if a TLS proxy terminates in front of Ordo."
    )


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Run with one paper account named 'paper'.")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory (default ./data or $ORDO_DATA_DIR).")
    ] = None,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    ca_certs: Annotated[
        Path | None,
        typer.Option(help="CA bundle: clients must present a certificate it signed (mTLS)."),
    ] = None,
    behind_proxy: Annotated[
        bool | None,
        typer.Option("--behind-proxy", help="A TLS proxy terminates in front of Ordo."),
    ] = None,
) -> None:
    """Serve the Ordo REST API."""
    console = Console(stderr=True)
    overrides: dict[str, Any] = {
        k: v
        for k, v in {
            "host": host,
            "port": port,
            "data_dir": data_dir,
            "certfile": certfile,
            "keyfile": keyfile,
            "ca_certs": ca_certs,
            "behind_proxy": behind_proxy,
        }.items()
        if v is not None
    }
    try:
        if demo:
            base = load_settings(config, **overrides)
            carried = {k: v for k, v in _carry(base, overrides).items() if k != "data_dir"}
            settings = demo_settings(base.data_dir, **carried)
        else:
            settings = load_settings(config, **overrides)
    except ConfigError as exc:
        console.print(f"[red]invalid configuration:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    try:
        plugins = plugins_from_settings(settings)
        validate_account_settings(settings, plugins.registry)
    except ConfigError as exc:
        console.print(f"[red]invalid configuration:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    problem = transport_problem(settings)
    if problem:
        console.print(f"[red]{problem}[/red]", highlight=False)
        raise typer.Exit(2)
    if not settings.api_token and not settings.api_tokens:
        token = secrets.token_urlsafe(24)
        settings = settings.model_copy(update={"api_token": SecretStr(token)})
        console.print(
            "No API token configured (ORDO_API_TOKEN). Generated one for this run:\n"
            f"  export TOKEN={token}\n"
            "Set ORDO_API_TOKEN to choose your own.",
            highlight=False,
        )
    run_server(settings, plugins)


def _carry(base: Settings, overrides: dict[str, Any]) -> dict[str, Any]:
    """Settings from env/file that the demo keeps (tokens, address, logging)."""
    keep = {
        "host": base.host,
        "port": base.port,
        "api_token": base.api_token,
        "api_tokens": base.api_tokens,
        "log_level": base.log_level,
        "log_json": base.log_json,
        "secret_key": base.secret_key,
    }
    return {**keep, **overrides}


def server_config(settings: Settings, plugins: Plugins) -> uvicorn.Config:
    """The uvicorn configuration ``ordo serve`` runs: address, TLS and, with ``ca_certs``,
    required client certificates (mTLS)."""
    ssl: dict[str, Any] = {}
    if settings.certfile and settings.keyfile:
        ssl = {"ssl_certfile": str(settings.certfile), "ssl_keyfile": str(settings.keyfile)}
        if settings.ca_certs:
            ssl["ssl_ca_certs"] = str(settings.ca_certs)
            ssl["ssl_cert_reqs"] = ssl_module.CERT_REQUIRED
    return uvicorn.Config(
        create_app(settings, plugins=plugins),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # Logging goes through loguru (ordo.logs), not uvicorn's own dictConfig.
        log_config=None,
        access_log=False,
        proxy_headers=settings.behind_proxy,
        **ssl,
    )


def _runtime_of(app: Any) -> OrdoRuntime | None:
    runtime = getattr(app.state, "ordo", None)
    return runtime if isinstance(runtime, OrdoRuntime) else None


def take_over_logging(settings: Settings, app: Any) -> int:
    """Make loguru this process's only log path: drop its unconfigured default handler, route
    the standard library (uvicorn) into it, and log with Ordo's format until the gateway's
    own handler (which knows the run's secrets) takes over, and again after it stops."""
    logger.remove()
    route_stdlib_logging(settings.log_level)

    def secrets() -> frozenset[str]:
        runtime = _runtime_of(app)
        return runtime.emitter.secrets.values() if runtime is not None else frozenset()

    def quiet_while_gateway_logs() -> bool:
        runtime = _runtime_of(app)
        return runtime is None or not runtime.observability.logging_active

    return install_logging(
        settings.log_level,
        as_json=settings.log_json,
        secrets=secrets,
        when=quiet_while_gateway_logs,
    )


def run_server(settings: Settings, plugins: Plugins) -> None:
    plugins.pm.register(FreezeHeapAtStartup(), name="ordo.freeze-heap")
    config = server_config(settings, plugins)
    take_over_logging(settings, config.app)
    uvicorn.Server(config).run()
