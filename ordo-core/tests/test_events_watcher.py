"""The order watcher's push side and its lifecycle: updates from a push channel become
events, a channel that refuses the session reconnects with growing pauses (no storm), and
a watcher is replaced only when the account's token changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from ordo.config import AccountConfig, load_settings
from ordo.errors import AuthFailed
from ordo.events.channel import Backoff
from ordo.events.model import EventStatus, OrderUpdate
from ordo.events.watcher import OrderWatcher
from ordo_testing.server import gateway_in_process
from pydantic import SecretStr

TOKEN = "watcher-token-0123456789"


class ScriptedChannel:
    """Refuses the session ``refusals`` times, then sends ``updates`` and ends."""

    def __init__(self, refusals: int, updates: list[OrderUpdate]) -> None:
        self.refusals = refusals
        self.sent = updates
        self.connects = 0
        self.unknown_frames = 0

    async def updates(self, opened: Callable[[], None]) -> AsyncIterator[OrderUpdate]:
        self.connects += 1
        if self.connects <= self.refusals:
            raise AuthFailed("token rejected by the order socket")
        opened()
        for update in self.sent:
            yield update


async def test_a_refused_socket_backs_off_then_its_updates_become_events(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        runtime = gw.runtime
        account = runtime.accounts.get("paper")
        update = OrderUpdate(
            account="paper", broker="mock", order_id="P1", status=EventStatus.REJECTED
        )
        channel = ScriptedChannel(refusals=3, updates=[update, update])
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)
            if len(pauses) == 4:
                raise asyncio.CancelledError

        watcher = OrderWatcher(
            account,
            runtime.events,
            runtime.guard,
            interval=3600,
            backoff=Backoff(first=1.0, cap=60.0),
            sleep=sleep,
        )
        with pytest.raises(asyncio.CancelledError):
            await watcher.push_loop(channel)
        # Three refusals: 1, 2, 4 s apart; after a good connection the pause starts over.
        assert pauses == [1.0, 2.0, 4.0, 1.0]
        assert watcher.push_failures == 3
        events = await runtime.events.for_order("paper", "P1")
        assert [e.status for e in events] == [EventStatus.REJECTED]


async def test_a_watcher_is_replaced_only_on_a_new_token(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        watchers = gw.runtime.watchers
        first = watchers.running["paper"][1]
        await watchers.sync()
        assert watchers.running["paper"][1] is first
        adapter = gw.runtime.accounts.get("paper").adapter
        assert adapter.session is not None
        adapter.session = adapter.session.model_copy(
            update={"access_token": SecretStr("a-new-token-value")}
        )
        await watchers.sync()
        assert watchers.running["paper"][1] is not first
        adapter.session = None
        await watchers.sync()
        assert "paper" not in watchers.running
