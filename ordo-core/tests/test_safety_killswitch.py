"""Kill switch: in-memory flag first, persisted second, cancels always pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from ordo.errors import KillSwitchActive
from ordo.safety.killswitch import KillSwitch, KillSwitchState

T0 = datetime(2025, 1, 30, 9, 15, tzinfo=UTC)


class Store:
    """The persistence callbacks, with an optional gate to hold saves in flight."""

    def __init__(self, initial: KillSwitchState | None = None) -> None:
        self.state = initial
        self.saves: list[KillSwitchState] = []
        self.gate: asyncio.Event | None = None
        self.fail_next = False

    async def load(self) -> KillSwitchState | None:
        return self.state

    async def save(self, state: KillSwitchState) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.saves.append(state)
        self.state = state


def make(store: Store) -> KillSwitch:
    return KillSwitch(store.load, store.save, now=lambda: T0)


async def test_off_by_default_and_everything_passes() -> None:
    switch = make(Store())
    await switch.start()
    assert not switch.active
    for kind in ("place", "modify", "cancel"):
        switch.ensure_allows(kind)


async def test_checks_before_start_are_a_programming_error() -> None:
    switch = make(Store(KillSwitchState(active=True)))
    with pytest.raises(RuntimeError, match="start"):
        switch.ensure_allows("place")


async def test_activation_refuses_place_and_modify_but_not_cancel() -> None:
    store = Store()
    switch = make(store)
    await switch.start()
    state = await switch.activate("runaway strategy", "ops-token")
    assert state == KillSwitchState(
        active=True, reason="runaway strategy", actor="ops-token", changed_at=T0
    )
    assert store.saves == [state]
    for kind in ("place", "modify"):
        with pytest.raises(KillSwitchActive) as caught:
            switch.ensure_allows(kind)
        assert caught.value.code == "KILL_SWITCH_ACTIVE"
        assert caught.value.http_status == 423
        assert "runaway strategy" in str(caught.value)
        assert caught.value.action == kind
    switch.ensure_allows("cancel")

    state = await switch.deactivate("fixed", "ops-token")
    assert not switch.active
    assert store.state == state
    switch.ensure_allows("place")


async def test_persisted_state_survives_a_restart() -> None:
    store = Store()
    first = make(store)
    await first.start()
    await first.activate("maintenance", "cli")
    second = make(store)
    await second.start()
    assert second.active
    assert second.state.reason == "maintenance"
    with pytest.raises(KillSwitchActive):
        second.ensure_allows("place")


async def test_flag_is_set_before_the_save_completes() -> None:
    store = Store()
    switch = make(store)
    await switch.start()
    store.gate = asyncio.Event()
    activation = asyncio.create_task(switch.activate("stop", "ops"))
    await asyncio.sleep(0)
    # The save is still pending, but orders are already refused.
    assert store.saves == []
    with pytest.raises(KillSwitchActive):
        switch.ensure_allows("place")
    store.gate.set()
    await activation
    assert store.state is not None
    assert store.state.active


async def test_a_failing_save_leaves_the_switch_on() -> None:
    store = Store()
    switch = make(store)
    await switch.start()
    store.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        await switch.activate("stop", "ops")
    assert switch.active

    await switch.activate("stop", "ops")
    store.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        await switch.deactivate("resume", "ops")
    # Not persisted as off, so not off: disk and memory agree on the safe side.
    assert switch.active


async def test_activation_during_a_pending_deactivation_wins() -> None:
    store = Store(KillSwitchState(active=True, reason="old", actor="ops", changed_at=T0))
    switch = make(store)
    await switch.start()
    store.gate = asyncio.Event()
    deactivation = asyncio.create_task(switch.deactivate("resume", "alice"))
    await asyncio.sleep(0)
    activation = asyncio.create_task(switch.activate("panic", "bob"))
    await asyncio.sleep(0)
    assert switch.active
    store.gate.set()
    await asyncio.gather(deactivation, activation)
    assert switch.active
    assert switch.state.actor == "bob"
    assert store.state == switch.state
    assert [s.active for s in store.saves] == [False, True]


async def test_no_order_starts_after_activation_returns_under_load() -> None:
    store = Store()
    switch = make(store)
    await switch.start()
    started: list[tuple[int, bool]] = []
    activated = False

    async def trader(i: int) -> None:
        for _ in range(50):
            try:
                switch.ensure_allows("place")
            except KillSwitchActive:
                return
            # The "broker call" starts here; record whether activation had returned.
            started.append((i, activated))
            await asyncio.sleep(0)

    traders = [asyncio.create_task(trader(i)) for i in range(20)]
    for _ in range(3):
        await asyncio.sleep(0)
    await switch.activate("stop", "ops")
    activated = True
    await asyncio.gather(*traders)
    assert started  # orders flowed before activation
    assert all(not after for _, after in started)
