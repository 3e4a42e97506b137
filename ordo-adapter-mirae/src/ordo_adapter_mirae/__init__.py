"""Mirae Asset m.Stock adapter for Ordo (Type A REST API).

Registers ``MiraeAdapter`` (id ``mirae``) through the ``ordo`` entry point.
"""

from __future__ import annotations

from collections.abc import Callable

from ordo.adapters.base import BrokerAdapter
from ordo.hookspecs import hookimpl

from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.settings import MiraeSettings

__all__ = ["MiraeAdapter", "MiraeSettings", "register_adapters"]


@hookimpl
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    """Register the m.Stock adapter class."""
    register(MiraeAdapter)
