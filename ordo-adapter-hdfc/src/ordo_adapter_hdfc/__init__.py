"""HDFC Securities InvestRight adapter for Ordo (adapter id ``hdfc``)."""

from __future__ import annotations

from collections.abc import Callable

from ordo.adapters.base import BrokerAdapter
from ordo.hookspecs import hookimpl

from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.settings import HdfcSettings

__all__ = ["HdfcAdapter", "HdfcSettings", "register_adapters"]


@hookimpl
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    """Register ``HdfcAdapter`` under the id ``hdfc``."""
    register(HdfcAdapter)
