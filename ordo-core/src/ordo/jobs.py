"""Background jobs: each service names its own (``jobs()``); the runtime only starts and
stops them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, time
from typing import Any

from loguru import logger

from ordo.adapters.clock import next_ist_time

Job = Callable[[], Coroutine[Any, Any, None]]
"""A background loop, started once and cancelled at stop."""


def every(seconds: float, work: Callable[[], Awaitable[object]]) -> Job:
    """Run ``work`` every ``seconds``; a failure is logged, not fatal."""
    return lambda: run_periodically(seconds, work)


def daily_at(at: time, work: Callable[[], Awaitable[object]]) -> Job:
    """Run ``work`` every day at ``at`` (IST, as the exchanges keep time); a failure is
    logged and tomorrow's run still happens."""

    async def loop() -> None:
        while True:
            wait = (next_ist_time(at) - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(wait, 1.0))
            try:
                await work()
            except Exception as exc:
                logger.opt(exception=exc).warning("daily job failed")

    return loop


async def run_periodically(interval: float, job: Callable[[], Any]) -> None:
    """Run ``job`` every ``interval`` seconds until cancelled; a failure is logged, not fatal."""
    while True:
        await asyncio.sleep(interval)
        try:
            await job()
        except Exception as exc:
            logger.opt(exception=exc).warning("background job failed")
