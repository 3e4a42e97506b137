"""Hooks receive one stable context object; sync and async hook results are awaited alike."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ordo import hookimpl
from ordo.config import AccountConfig, load_settings
from ordo.hook_context import HookContext, resolved
from ordo.plugins import create_plugins
from ordo_testing.server import gateway_in_process

TOKEN = "hook-context-token-0123456789"


class Recorder:
    def __init__(self) -> None:
        self.contexts: list[HookContext] = []

    @hookimpl
    def startup(self, context: HookContext) -> None:
        self.contexts.append(context)
        context.audit("plugin.started", note="hello")


class AsyncStarter:
    def __init__(self) -> None:
        self.apps: list[FastAPI] = []

    @hookimpl
    async def startup(self, app: FastAPI) -> None:
        self.apps.append(app)


async def test_startup_hooks_get_the_context_and_coroutines_are_awaited(tmp_path: Path) -> None:
    recorder, starter = Recorder(), AsyncStarter()
    plugins = create_plugins(allow="mock", extra_plugins=[recorder, starter])
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        [context] = recorder.contexts
        assert context.accounts == ("paper",)
        assert context.data_dir == tmp_path
        assert context.kill_switch().active is False
        assert starter.apps == [gw.app]
        response = await gw.client.get("/api/v1/audit", params={"kind": "plugin.started"})
        events = response.json()["data"]["events"]
        assert [e["payload"]["note"] for e in events] == ["hello"]


async def test_resolved_awaits_only_what_is_awaitable() -> None:
    async def later() -> int:
        return 2

    assert await resolved([1, later(), None]) == [1, 2, None]
