"""``create_app()``: the FastAPI application factory. No module-level app or state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from loguru import logger

from ordo import __version__
from ordo.api.access import AccessMiddleware
from ordo.api.errors import install_error_handlers
from ordo.api.methods import MethodsMiddleware
from ordo.api.middleware import RequestIdMiddleware
from ordo.api.openapi import install_openapi
from ordo.api.plugin_routes import include_plugin_mounts, include_plugin_routers
from ordo.api.routes import accounts, books, bulk, health, market, orders, portfolio, safety
from ordo.api.routes import audit as audit_routes
from ordo.api.routes import events as event_routes
from ordo.api.routes import metrics as metrics_routes
from ordo.api.routes import plugins as plugin_routes
from ordo.api.routes import status as status_routes
from ordo.config import Settings, validate_plugin_sections
from ordo.hook_context import resolved
from ordo.plugins import Plugins, create_plugins
from ordo.runtime import OrdoRuntime

API_PREFIX = "/api/v1"

DESCRIPTION = """One resilient REST API over several Indian brokers.

Every response uses one envelope: `{"status": "success"|"partial"|"error", "request_id",
"data" | "results" | "error_code", "message"}`. Requests that fan out over accounts return
one result per account with its own `status`, `error_code`, `message` and `retryable`.
Send `Authorization: Bearer <token>` on every call but `/health`.
"""


def _operation_id(route: APIRoute) -> str:
    return route.name


def plugins_from_settings(settings: Settings) -> Plugins:
    return create_plugins(
        allow=settings.load_plugins,
        disabled=settings.disabled_adapters,
        trace=settings.trace_plugins,
    )


def create_app(
    settings: Settings,
    *,
    plugins: Plugins | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Build the gateway app. Resources (database, adapters) are created in the lifespan.

    ``plugins`` defaults to the installed entry points filtered by the settings;
    ``transports`` routes an account's broker HTTP to a fake (tests, rehearsal).
    """
    loaded = plugins or plugins_from_settings(settings)
    # Plugin config sections are checked before anything starts: a section no plugin
    # declares, or a bad field in one, stops the app like any other config error.
    sections = validate_plugin_sections(settings, loaded.hook)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = OrdoRuntime(settings, loaded, transports=transports)
        for section in sections.values():
            runtime.emitter.secrets.add_from(section)
        app.state.ordo = runtime
        await runtime.start()
        await resolved(loaded.hook.startup(app=app, context=runtime.hook_context()))
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Ordo",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url="/docs",
        redoc_url=None,
    )
    # Added first, so they run inside RequestIdMiddleware and see the request id; the access
    # audit runs outside the method checks, so refused methods and media types are audited.
    app.add_middleware(MethodsMiddleware)
    app.add_middleware(AccessMiddleware)
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(status_routes.root_router)
    app.include_router(metrics_routes.router)
    api = APIRouter(prefix=API_PREFIX)
    for module in (bulk, orders, accounts, portfolio, books, market, safety, plugin_routes):
        api.include_router(module.router)
    for module in (status_routes, audit_routes, event_routes):
        api.include_router(module.router)
    for extra in loaded.hook.register_routes():
        include_plugin_routers(api, extra or [])
    app.include_router(api)
    mounts = [m for ms in loaded.hook.register_mounts(sections=sections) for m in ms or []]
    for mount in mounts:
        logger.info(
            "plugin router mounted at {} outside the bearer token: {}", mount.prefix, mount.reason
        )
    include_plugin_mounts(app, mounts)
    if settings.console.enabled:
        # Imported only when enabled: a gateway without the console loads neither it nor Jinja2.
        from ordo.console.app import mount_console

        mount_console(app, settings)
    install_openapi(app)
    return app
