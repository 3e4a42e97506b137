"""``ordo serve``: run the gateway with uvicorn.

The gateway itself (FastAPI, the database layer, plugins) is imported when the command runs,
not when the CLI starts. Every start-up problem (invalid configuration, a missing extra, an
unknown adapter, a data directory that cannot be written, a refused address) is one line on
stderr and exit status 2.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ordo.cli.lean_start import leave_out_unused_imports
from ordo.cli.options import ConfigOption, cli_logging

if TYPE_CHECKING:
    import uvicorn

    from ordo.config import Settings
    from ordo.plugins import Plugins
    from ordo.runtime import OrdoRuntime

TOKEN_FILE = "api-token"
"""Where ``ordo serve`` keeps the API token it generated, inside the data directory, so a
restart does not lock the user (and every script holding the token) out."""


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

    TLS options must come whole (a certificate with its key; a client CA only with both,
    since client certificates can only be required over TLS). Plain HTTP is allowed on
    loopback only, unless a TLS proxy terminates in front.
    """
    tls = tls_problem(settings)
    if tls:
        return tls
    if is_loopback(settings.host) or settings.behind_proxy:
        return None
    if settings.certfile and settings.keyfile:
        return None
    return (
        f"refusing to serve plain HTTP on non-loopback address {settings.host}: bearer tokens "
        "would cross the network in clear. Give --certfile and --keyfile to serve TLS, or "
        "--behind-proxy (ORDO_BEHIND_PROXY=true) if a TLS proxy terminates in front of Ordo."
    )


def tls_problem(settings: Settings) -> str | None:
    """Why the TLS options given cannot work together, or ``None``."""
    if bool(settings.certfile) != bool(settings.keyfile):
        given, missing = (
            ("--certfile", "--keyfile") if settings.certfile else ("--keyfile", "--certfile")
        )
        return f"{given} needs {missing} too: TLS needs the certificate and its private key."
    if settings.ca_certs and not settings.certfile:
        return (
            "--ca-certs (ORDO_CA_CERTS) requires --certfile and --keyfile: client certificates "
            "can only be required over TLS, and without them Ordo would serve plain HTTP "
            "with no client check at all."
        )
    return None


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
    leave_out_unused_imports()
    from ordo.api.app import plugins_from_settings
    from ordo.config import (
        ConfigError,
        demo_settings,
        load_settings,
        validate_account_settings,
        validate_plugin_sections,
    )
    from ordo.config.errors import without_heading
    from ordo.egress.checks import egresses
    from ordo.extras import check_extras

    cli_logging()
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
        check_extras(settings.database_url, settings.redis_url)
        plugins = plugins_from_settings(settings)
        validate_account_settings(settings, plugins.registry)
        validate_plugin_sections(settings, plugins.hook)
        egresses(settings.accounts)
    except ConfigError as exc:
        fail(f"invalid configuration: {without_heading(exc)}")
    problem = transport_problem(settings) or data_dir_problem(settings.data_dir)
    if problem:
        fail(problem)
    if not settings.api_token and not settings.api_tokens:
        settings = with_stored_token(settings)
    else:
        typer.echo(
            f"For the ordo CLI: export ORDO_URL={client_url(settings)} and ORDO_TOKEN set to "
            "your API token.",
            err=True,
        )
    run_server(settings, plugins)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: start-up problems are the user's to fix, so they
    get a sentence, never a traceback."""
    typer.secho(message, err=True, fg="red")
    raise typer.Exit(2)


def data_dir_problem(data_dir: Path) -> str | None:
    """Why the data directory cannot hold Ordo's files, or ``None``. Creates it if needed."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"data directory {data_dir} cannot be created: {exc.strerror or exc}"
    if not data_dir.is_dir() or not writable(data_dir):
        return (
            f"data directory {data_dir} is not writable by this user: choose another with "
            "--data-dir or ORDO_DATA_DIR, or fix its owner"
        )
    return None


def writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def client_url(settings: Settings) -> str:
    scheme = "https" if settings.certfile and settings.keyfile else "http"
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{settings.port}"


def stored_token(data_dir: Path) -> str:
    """The token kept in ``data_dir`` from an earlier run, or a new one written there
    (readable by this user only)."""
    path = data_dir / TOKEN_FILE
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def with_stored_token(settings: Settings) -> Settings:
    from pydantic import SecretStr

    try:
        token = stored_token(settings.data_dir)
    except OSError as exc:
        fail(f"cannot keep the API token in {settings.data_dir / TOKEN_FILE}: {exc.strerror}")
    typer.echo(
        f"No API token configured (ORDO_API_TOKEN); using the one kept in "
        f"{settings.data_dir / TOKEN_FILE}. For the ordo CLI and curl:\n"
        f"export ORDO_URL={client_url(settings)}\n"
        f"export ORDO_TOKEN={token}",
        err=True,
    )
    return settings.model_copy(update={"api_token": SecretStr(token)})


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
    required client certificates (mTLS). Half-given TLS options are a ``ValueError``."""
    import ssl as ssl_module

    import uvicorn

    from ordo.api.app import create_app

    problem = tls_problem(settings)
    if problem:
        raise ValueError(problem)
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
    from ordo.runtime import OrdoRuntime

    runtime = getattr(app.state, "ordo", None)
    return runtime if isinstance(runtime, OrdoRuntime) else None


def take_over_logging(settings: Settings, app: Any) -> int:
    """Make loguru this process's only log path: drop its unconfigured default handler, route
    the standard library (uvicorn) into it, and log with Ordo's format until the gateway's
    own handler (which knows the run's secrets) takes over, and again after it stops."""
    from loguru import logger

    from ordo.logs import install_logging, route_stdlib_logging

    logger.remove()
    route_stdlib_logging(settings.log_level)

    def secrets() -> tuple[str, ...]:
        runtime = _runtime_of(app)
        return runtime.emitter.secrets.forms() if runtime is not None else ()

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
    import uvicorn

    from ordo.heap import FreezeHeapAtStartup

    plugins.pm.register(FreezeHeapAtStartup(), name="ordo.freeze-heap")
    config = server_config(settings, plugins)
    take_over_logging(settings, config.app)
    uvicorn.Server(config).run()
