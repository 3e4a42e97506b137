"""Adapter classes registered through the ``register_adapters`` hook."""

from __future__ import annotations

from ordo.adapters.base import BrokerAdapter


class DuplicateAdapterError(ValueError):
    pass


class AdapterRegistry:
    """Adapter id -> class, filled once at plugin load."""

    def __init__(self) -> None:
        self._classes: dict[str, type[BrokerAdapter]] = {}
        self._sources: dict[str, str] = {}

    def register(self, adapter_cls: type[BrokerAdapter], *, source: str = "") -> None:
        adapter_id = getattr(adapter_cls, "id", None)
        if not isinstance(adapter_id, str) or not adapter_id:
            raise TypeError(f"{adapter_cls!r} has no string class attribute 'id'")
        if not issubclass(adapter_cls, BrokerAdapter):
            raise TypeError(f"{adapter_cls!r} is not a BrokerAdapter subclass")
        if adapter_id in self._classes and self._classes[adapter_id] is not adapter_cls:
            raise DuplicateAdapterError(
                f"adapter id {adapter_id!r} is registered twice "
                f"({self._sources[adapter_id]} and {source})"
            )
        self._classes[adapter_id] = adapter_cls
        self._sources[adapter_id] = source

    def get(self, adapter_id: str) -> type[BrokerAdapter]:
        try:
            return self._classes[adapter_id]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise KeyError(f"unknown adapter {adapter_id!r} (installed: {known})") from None

    def source_of(self, adapter_id: str) -> str:
        return self._sources.get(adapter_id, "")

    def ids(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, adapter_id: object) -> bool:
        return adapter_id in self._classes

    def items(self) -> list[tuple[str, type[BrokerAdapter]]]:
        return sorted(self._classes.items())
