"""Routes that plugins add (``register_routes``) sit behind the same bearer-token auth as
Ordo's own, unless the plugin marks a router public, which it must do on purpose (an OAuth
redirect a broker's login page calls, for example). Errors leave in the envelope either
way: the app's exception handlers cover every route.

A plugin that speaks another API (a facade with its own key scheme) mounts a ``PluginMount``
at a prefix of its own instead (``register_mounts``): no bearer token there, its router
authenticates every request itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI

from ordo.api.auth import require_token

PUBLIC_MARK = "ordo_public"


def public(router: APIRouter) -> APIRouter:
    """Mark ``router`` as reachable without a token; returns it, to chain."""
    setattr(router, PUBLIC_MARK, True)
    return router


def is_public(router: APIRouter) -> bool:
    return getattr(router, PUBLIC_MARK, False) is True


def include_plugin_routers(api: APIRouter, routers: Iterable[APIRouter]) -> None:
    """Mount plugin routers on ``api``: public ones as they are, the rest behind the token."""
    for router in routers:
        if is_public(router):
            api.include_router(router)
        else:
            api.include_router(router, dependencies=[Depends(require_token)])


@dataclass(frozen=True)
class PluginMount:
    """A router a plugin mounts at ``prefix`` (``register_mounts``), outside ``/api/v1``.

    Ordo adds no authentication: the router must authenticate every request itself (its
    own scheme, its own error shape). ``in_schema`` keeps it out of Ordo's OpenAPI document
    unless the plugin asks otherwise: a facade of another API has that API's contract, not
    Ordo's, and the contract test checks Ordo's document only. ``reason`` says why the
    router is not behind Ordo's token (logged when it is mounted); it must not be empty, so
    a mount outside the token is always a stated decision.
    """

    prefix: str
    router: APIRouter
    reason: str
    in_schema: bool = False

    def __post_init__(self) -> None:
        if not self.prefix.startswith("/") or self.prefix.endswith("/") or len(self.prefix) < 2:
            raise ValueError(
                f"mount prefix {self.prefix!r} must start with '/' and not end with it"
            )
        if self.prefix == "/api" or self.prefix.startswith(RESERVED_PREFIXES):
            raise ValueError(f"mount prefix {self.prefix!r} is reserved for Ordo's own API")
        if not self.reason.strip():
            raise ValueError("a mount must state why it is outside Ordo's bearer-token auth")


RESERVED_PREFIXES = ("/api/", "/health", "/status", "/metrics", "/docs", "/openapi")


def include_plugin_mounts(app: FastAPI, mounts: Iterable[PluginMount]) -> None:
    """Mount each plugin router at its prefix; two mounts on one prefix are an error."""
    seen: set[str] = set()
    for mount in mounts:
        if mount.prefix in seen:
            raise ValueError(f"two plugins mount routers at {mount.prefix!r}")
        seen.add(mount.prefix)
        app.include_router(mount.router, prefix=mount.prefix, include_in_schema=mount.in_schema)
