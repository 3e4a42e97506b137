"""``ordo-openalgo``: OpenAlgo's REST API in front of Ordo, so scripts and alerts written for
OpenAlgo run unchanged (``host=<ordo>/openalgo``). A plugin of entry-point group ``ordo``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ordo import hookimpl
from pydantic import BaseModel

from ordo_openalgo.config import SECTION, OpenAlgoConfig

if TYPE_CHECKING:
    from ordo.api.plugin_routes import PluginMount

__version__ = "0.1.0"


@hookimpl
def register_config_sections() -> dict[str, type[BaseModel]]:
    return {SECTION: OpenAlgoConfig}


@hookimpl
def register_mounts(sections: Mapping[str, BaseModel]) -> list[PluginMount] | None:
    config = sections.get(SECTION)
    if not isinstance(config, OpenAlgoConfig):
        return None  # installed but not configured: nothing is mounted
    # Imported here: every command that loads plugins imports this module, and only a
    # configured server needs the router and Ordo's services behind it.
    from ordo.api.plugin_routes import PluginMount

    from ordo_openalgo.facade import Facade
    from ordo_openalgo.router import build_router

    return [
        PluginMount(
            prefix=config.prefix,
            router=build_router(Facade(config)),
            reason="OpenAlgo clients authenticate with the apikey in the body or query, "
            "checked by the facade on every route",
        )
    ]


__all__ = ["OpenAlgoConfig", "register_config_sections", "register_mounts"]
