"""Routes that plugins add (``register_routes``) sit behind the same bearer-token auth as
Ordo's own, unless the plugin marks a router public, which it must do on purpose (an OAuth
redirect a broker's login page calls, for example). Errors leave in the envelope either
way: the app's exception handlers cover every route."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Depends

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
