"""{{ cookiecutter.broker_name }} adapter for Ordo.

Registers ``{{ cookiecutter.class_prefix }}Adapter`` through the ``ordo`` hook.
"""

from __future__ import annotations

from collections.abc import Callable

from ordo import BrokerAdapter, hookimpl

from {{ cookiecutter.__package }}.adapter import {{ cookiecutter.class_prefix }}Adapter

__version__ = "0.1.0"


@hookimpl
def register_adapters(register: Callable[[type[BrokerAdapter]], None]) -> None:
    register({{ cookiecutter.class_prefix }}Adapter)


__all__ = ["{{ cookiecutter.class_prefix }}Adapter", "register_adapters"]
