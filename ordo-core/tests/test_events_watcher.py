"""The order watcher's push side and its lifecycle: updates from a push channel become
events, a channel that refuses the session reconnects with growing pauses (no storm), and
a watcher is replaced only when the account's token changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from ordo.config import AccountConfig, load_settings
from ordo.errors import AuthFailed, BrokerUnavailable
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


class FlappingChannel:
    """Opens, stays up until ``drop`` is set, fails as a dropped socket, then opens again
    and stays up; reports ``unknown_frames`` as a reader would."""

    def __init__(self) -> None:
        self.connects = 0
        self.unknown_frames = 0
        self.up = asyncio.Event()
        self.drop = asyncio.Event()

    async def updates(self, opened: Callable[[], None]) -> AsyncIterator[OrderUpdate]:
        self.connects += 1
        opened()
        self.up.set()
        if self.connects == 1:
            await self.drop.wait()
            raise BrokerUnavailable("the socket closed (code 1006)")
        await asyncio.Event().wait()
        nothing: list[OrderUpdate] = []  # an async generator that stays open
        for update in nothing:
            yield update


async def test_a_reconnected_channel_reads_the_book_once_for_what_it_missed(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 5})},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        runtime = gw.runtime
        body = {
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
            "order_type": "LIMIT",
            "price": "700",
            "accounts": ["paper"],
        }
        placed = await gw.client.post("/api/v1/orders", json=body)
        order_id = placed.json()["results"][0]["data"]["order_id"]
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)

        watcher = OrderWatcher(
            runtime.accounts.get("paper"),
            runtime.events,
            runtime.guard,
            interval=3600,
            backoff=Backoff(first=1.0, cap=60.0),
            refused_backoff=Backoff(first=30.0, cap=1800.0),
            sleep=sleep,
        )
        channel = FlappingChannel()
        channel.unknown_frames = 3
        watcher.start(channel)
        try:
            await channel.up.wait()
            assert (watcher.push_connected, watcher.polls) == (True, 0)
            assert not await runtime.events.wait_after(0, 0)
            channel.up.clear()
            channel.drop.set()
            # The drop pauses by the short backoff (not the refusal one), the channel
            # opens again, and one read of the book catches the change it did not push.
            assert await runtime.events.wait_after(0, 30)
            assert channel.connects == 2
            assert pauses == [1.0]
            assert (watcher.push_opens, watcher.push_failures, watcher.polls) == (2, 1, 1)
            (event,) = await runtime.events.for_order("paper", order_id)
            assert event.status is EventStatus.OPEN
            # Frames in an unknown shape are a metric, per account.
            fingerprint, started = runtime.watchers.running["paper"]
            await started.stop()
            runtime.watchers.running["paper"] = (fingerprint, watcher)
            metrics = (await gw.client.get("/metrics")).text
            assert 'ordo_order_channel_unknown_frames_total{account="paper"} 3.0' in metrics
        finally:
            await watcher.stop()
