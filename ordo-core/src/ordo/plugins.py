"""The plugin manager: entry points of group ``ordo`` loaded one at a time.

A plugin that fails to import or to register is recorded with its error and skipped; it
never stops the server. ``create_plugins()`` builds a fresh manager on every call: there is
no module-level manager.
"""

from __future__ import annotations

import importlib.metadata
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy
from loguru import logger

from ordo import hookspecs
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.registry import AdapterRegistry

ENTRY_POINT_GROUP = "ordo"
DEFAULT_PLUGINS: tuple[str, ...] = ("ordo.safety.builtin_checks",)


@dataclass
class PluginInfo:
    """One plugin as ``ordo plugins`` and ``GET /api/v1/plugins`` show it."""

    name: str
    version: str | None = None
    distribution: str | None = None
    hooks: list[str] = field(default_factory=list)
    adapters: list[str] = field(default_factory=list)
    capabilities: dict[str, list[str]] = field(default_factory=dict)
    load_error: str | None = None
    builtin: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "distribution": self.distribution,
            "hooks": self.hooks,
            "adapters": self.adapters,
            "capabilities": self.capabilities,
            "load_error": self.load_error,
            "builtin": self.builtin,
        }


@dataclass
class Plugins:
    """A loaded plugin manager with its adapter registry and the load report."""

    pm: pluggy.PluginManager
    registry: AdapterRegistry
    infos: dict[str, PluginInfo]

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def listing(self, *, include_builtin: bool = False) -> list[PluginInfo]:
        return [i for i in self.infos.values() if include_builtin or not i.builtin]

    @property
    def load_errors(self) -> dict[str, str]:
        return {n: i.load_error for n, i in self.infos.items() if i.load_error}


def _split(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def create_plugins(
    *,
    load_entrypoints: bool = True,
    allow: str | Sequence[str] | None = None,
    disabled: str | Sequence[str] | None = None,
    trace: bool = False,
    extra_plugins: Iterable[object] = (),
) -> Plugins:
    """Build a plugin manager, load built-ins, entry points and ``extra_plugins``.

    ``allow`` (``ORDO_LOAD_PLUGINS``) limits entry points to those names; an empty list loads
    none. ``disabled`` (``ORDO_DISABLED_ADAPTERS``) blocks entry points by name and drops
    adapters by id. ``trace`` (``ORDO_TRACE_PLUGINS``) logs every hook call.
    """
    pm = pluggy.PluginManager("ordo")
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    allow_list = _split(allow)
    blocked = set(_split(disabled) or [])

    for module_name in DEFAULT_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        infos[module_name] = PluginInfo(name=module_name, builtin=True)

    if load_entrypoints:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in blocked or (allow_list is not None and ep.name not in allow_list):
                if ep.name in blocked:
                    pm.set_blocked(ep.name)
                continue
            _load_entry_point(pm, ep, infos)

    for plugin in extra_plugins:
        name = getattr(plugin, "__name__", None) or repr(plugin)
        pm.register(plugin, name=name)
        infos[name] = PluginInfo(name=name)

    registry = AdapterRegistry()
    _register_adapters(pm, registry, infos, blocked)
    for name, info in infos.items():
        plugin = pm.get_plugin(name)
        if plugin is not None:
            info.hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
    pm.check_pending()
    if trace:
        _enable_tracing(pm)
    return Plugins(pm=pm, registry=registry, infos=infos)


def _load_entry_point(
    pm: pluggy.PluginManager,
    ep: importlib.metadata.EntryPoint,
    infos: dict[str, PluginInfo],
) -> None:
    dist = ep.dist
    info = PluginInfo(
        name=ep.name,
        version=dist.version if dist else None,
        distribution=dist.name if dist else None,
    )
    infos[ep.name] = info
    try:
        plugin = ep.load()
        pm.register(plugin, name=ep.name)
    except Exception as exc:  # a broken plugin must never take the server down
        info.load_error = f"{type(exc).__name__}: {exc}"
        logger.warning("plugin {} failed to load: {}", ep.name, info.load_error)
        logger.debug("{}", traceback.format_exc())


def _register_adapters(
    pm: pluggy.PluginManager,
    registry: AdapterRegistry,
    infos: dict[str, PluginInfo],
    blocked: set[str],
) -> None:
    # Each plugin is asked on its own so one plugin's error is charged to it alone.
    for name, plugin in list(pm.list_name_plugin()):
        impl = getattr(plugin, "register_adapters", None)
        if impl is None or name not in infos:
            continue
        info = infos[name]
        collected: list[type[BrokerAdapter]] = []
        try:
            impl(register=collected.append)
            for cls in collected:
                if getattr(cls, "id", None) in blocked:
                    continue
                registry.register(cls, source=name)
                info.adapters.append(cls.id)
                info.capabilities[cls.id] = sorted(c.value for c in cls.capabilities)
        except Exception as exc:
            info.load_error = f"{type(exc).__name__}: {exc}"
            logger.warning("plugin {} failed to register adapters: {}", name, info.load_error)


def _enable_tracing(pm: pluggy.PluginManager) -> None:
    def before(
        hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        logger.debug("hook {} -> {}", hook_name, [i.plugin_name for i in hook_impls])

    def after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        logger.debug("hook {} done", hook_name)

    pm.add_hookcall_monitoring(before, after)
