"""Paper broker (simulated) adapter for Ordo: adapter id ``mock``."""

from __future__ import annotations

from collections.abc import Callable

from ordo import hookimpl
from ordo.adapters.base import BrokerAdapter

from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.broker import PaperBroker
from ordo_adapter_mock.calls import CallRecorder
from ordo_adapter_mock.faults import FaultInjector, FaultKind, Latency
from ordo_adapter_mock.settings import FaultSettings, MockSettings


@hookimpl
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    register(MockAdapter)


__all__ = [
    "CallRecorder",
    "FaultInjector",
    "FaultKind",
    "FaultSettings",
    "Latency",
    "MockAdapter",
    "MockSettings",
    "PaperBroker",
    "register_adapters",
]
