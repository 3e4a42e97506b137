"""Ordo's hook specifications. Project name and entry-point group: ``ordo``.

Hooks register objects and carry cross-cutting concerns; broker operations are methods on
``BrokerAdapter``. Call hooks with keyword arguments only. Every spec here has a heading with
its exact signature in ``docs/plugin_hooks.md``; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from pydantic import BaseModel
    from typer import Typer

    from ordo.adapters.base import BrokerAdapter
    from ordo.api.plugin_routes import PluginMount
    from ordo.audit.events import AuditEvent
    from ordo.domain import OrderRequest, Rejection
    from ordo.events.model import OrderEvent
    from ordo.hook_context import HookContext
    from ordo.safety.checks import CheckContext

hookspec = pluggy.HookspecMarker("ordo")
hookimpl = pluggy.HookimplMarker("ordo")


@hookspec
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    """Register broker adapter classes.

    Called once when the plugin manager loads. Call ``register(AdapterClass)`` for each
    adapter the plugin provides. Returns nothing. Registering an id that another plugin
    already registered is an error reported against the second plugin.
    """


@hookspec
def check_order(order: OrderRequest, account: str, context: CheckContext) -> Rejection | None:
    """Pre-trade check of one order leg, before any broker order call.

    Called for every new leg of ``POST /api/v1/orders``, after the kill switch and the
    idempotency claim. ``context`` gives the leg's instrument (``None`` when the account's
    master lacks it), the account's adapter, cached funds, the funds reserved by orders in
    flight and the configured limits. May be a coroutine function. Return ``None`` to let
    the order pass, or a ``Rejection`` to block it; every rejection blocks the order and
    the first is reported with its code.
    """


@hookspec
def audit_event(event: AuditEvent) -> None:
    """Receive every audit event (API requests, broker calls, outcomes, logins, switches).

    Called synchronously on the event loop right after the event is built, so an
    implementation must be quick and must not raise; hand slow work (a chat alert, a SIEM
    upload) to a queue. Returns nothing.
    """


@hookspec
def order_event(event: OrderEvent) -> None:
    """Receive every new order event (``ordo.events.model.OrderEvent``): a status change of
    an order after the broker's acknowledgement (open, partly filled, filled, rejected,
    cancelled, expired), once per change, after it is stored in the event log.

    ``event.after_ack`` is ``True`` for a rejection of an order Ordo had reported as
    acknowledged. May be a coroutine function; it runs on the event loop of the watcher
    that saw the change, so hand slow work to a queue. An exception is logged and ignored.
    Returns nothing.
    """


@hookspec
def startup(app: FastAPI, context: HookContext) -> None:
    """Run once when the server starts, after plugins, settings and the database are ready.

    ``context`` (``ordo.hook_context.HookContext``) is the stable view of the running
    gateway: version, data directory, account names, the kill switch's state and an audit
    function. An implementation may take ``app`` only (older plugins do). May be a
    coroutine function. Returns nothing.
    """


@hookspec
def register_routes() -> list[APIRouter] | None:
    """Return extra ``APIRouter`` objects to mount on the app (for example an OAuth redirect
    endpoint). Called once in ``create_app``. Routes get the standard bearer-token auth
    and the error envelope; a router wrapped in ``ordo.api.plugin_routes.public()`` is
    reachable without a token. Return ``None`` or a list of routers.
    """


@hookspec
def register_config_sections() -> dict[str, type[BaseModel]] | None:
    """Declare top-level sections of the YAML config that this plugin owns, as
    ``{name: PydanticModel}``. Called once in ``create_app`` (and by ``ordo config check``);
    each section present in the file is validated against its model, and a section no
    plugin declares is a configuration error. Every ``SecretStr`` in a validated section is
    redacted by value in logs and audit. Return ``None`` or the mapping.
    """


@hookspec
def register_mounts(sections: Mapping[str, BaseModel]) -> list[PluginMount] | None:
    """Return routers to mount at a prefix of the plugin's choosing, outside ``/api/v1``
    and outside Ordo's bearer-token auth: the router authenticates its callers itself (a
    facade speaking another API's scheme). ``sections`` are the validated config sections
    (by name; a declared section absent from the file is absent here). Called once in
    ``create_app``. Return ``None`` or a list of ``ordo.api.plugin_routes.PluginMount``.
    """


@hookspec
def register_commands(cli: Typer) -> None:
    """Add sub-commands to the ``ordo`` command-line app. Called when the command line names
    a command that is not one of Ordo's own (so ``ordo --help`` loads no plugin); ``ordo
    plugins`` shows which plugins implement it. Returns nothing."""


__all__ = ["hookimpl", "hookspec"]
