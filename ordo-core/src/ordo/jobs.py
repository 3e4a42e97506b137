"""Background jobs: each service names its own (``jobs()``); the runtime only starts and
stops them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, time
from typing import Any

from ordo.adapters.clock import next_ist_time
from ordo.sessions.manager import run_periodically

Job = Callable[[], Coroutine[Any, Any, None]]
"""A background loop, started once and cancelled at stop."""


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> Job:
    """Run ``work`` every ``seconds``; a failure is logged, not fatal."""
    return lambda: run_periodically(seconds, work)


def daily_at(at: time, work: Callable[[], Awaitable[object]]) -> Job:
    """Run ``work`` every day at ``at`` (IST, as the exchanges keep time)."""

    async def loop() -> None:
        while True:
            wait = (next_ist_time(at) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(wait, 1.0))
            await work()

    return loop
