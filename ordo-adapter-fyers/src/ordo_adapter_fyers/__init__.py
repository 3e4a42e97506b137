"""Fyers API v3 adapter for Ordo (distribution ``ordo-adapter-fyers``, adapter id ``fyers``)."""

from __future__ import annotations

from collections.abc import Callable

from ordo import hookimpl
from ordo.adapters.base import BrokerAdapter

from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.settings import FyersSettings

__version__ = "0.1.0"


@hookimpl
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    """Register ``FyersAdapter`` under the id ``fyers``."""
    register(FyersAdapter)


__all__ = ["FyersAdapter", "FyersSettings", "register_adapters"]
