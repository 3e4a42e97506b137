"""Plugin discovery through real entry points, isolation of broken plugins, env filters."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from ordo import hookimpl
from ordo.adapters.base import BrokerAdapter
from ordo.plugins import create_plugins


def test_installed_adapters_are_discovered_through_entry_points() -> None:
    plugins = create_plugins()
    names = {ep.name for ep in importlib.metadata.entry_points(group="ordo")}
    assert "mock" in names
    assert "mock" in plugins.registry
    info = plugins.infos["mock"]
    assert info.distribution == "ordo-adapter-mock"
    assert info.version
    assert info.load_error is None


class _BrokenEntryPoint:
    name = "broken"
    value = "ordo_broken_plugin"
    dist = None

    def load(self) -> Any:
        raise ImportError("No module named 'ordo_broken_plugin'")


def test_a_plugin_that_fails_to_import_is_reported_not_fatal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.metadata.entry_points

    def with_broken(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        return [*found, _BrokenEntryPoint()] if kwargs.get("group") == "ordo" else found

    monkeypatch.setattr(importlib.metadata, "entry_points", with_broken)
    plugins = create_plugins()
    assert "mock" in plugins.registry
    assert plugins.load_errors == {"broken": "ImportError: No module named 'ordo_broken_plugin'"}
    listed = {p.name: p for p in plugins.listing()}
    assert listed["broken"].load_error is not None


def test_allow_list_and_disabled_adapters() -> None:
    only_mock = create_plugins(allow="mock")
    assert only_mock.registry.ids() == ["mock"]
    none = create_plugins(allow="")
    assert none.registry.ids() == []
    without_mock = create_plugins(disabled="mock")
    assert "mock" not in without_mock.registry


def test_duplicate_adapter_id_is_charged_to_the_second_plugin() -> None:
    class Dup(BrokerAdapter):
        id = "mock"
        display_name = "impostor"

    class Plugin:
        __name__ = "dup_plugin"

        @hookimpl
        def register_adapters(self, register: Any) -> None:
            register(Dup)

    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    assert plugins.registry.get("mock") is not Dup
    assert "registered twice" in (plugins.infos["dup_plugin"].load_error or "")


def test_trace_plugins_logs_hook_calls() -> None:
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message}")
    try:
        plugins = create_plugins(allow="mock", trace=True)
        plugins.hook.register_routes()
    finally:
        logger.remove(sink)
    assert any("register_routes" in line for line in lines)
