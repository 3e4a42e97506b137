"""The kill switch across replicas: Redis carries every change to every replica at once.

The replica that changes the switch persists it in its database (the durable record), then
writes it to a Redis key and publishes on a channel. Every replica subscribes at start; a
message, or a quiet second, makes it read the key and adopt that state in its local
``KillSwitch`` (``apply_remote``, which never re-saves). Reading the key rather than trusting
the message means a message lost while reconnecting costs at most a second, and Redis's order
of writes is the order every replica agrees on.

Wall-clock order (``changed_at``) decides only where Redis cannot: at start, between the
database's state and Redis's, and after a change this replica could not publish while Redis
was down. Then the newer state wins and, when it is the local one, it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ordo.replicas.client import DEFAULT_PREFIX
from ordo.safety.killswitch import KillSwitch, KillSwitchState


class KillSwitchRelay:
    """Publishes this replica's kill-switch changes and applies the others'."""

    def __init__(
        self,
        client: Redis,
        kill_switch: KillSwitch,
        *,
        prefix: str = DEFAULT_PREFIX,
        poll_seconds: float = 1.0,
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 5.0,
    ) -> None:
        self._client = client
        self._kill_switch = kill_switch
        self.key = f"{prefix}killswitch"
        self.channel = f"{prefix}killswitch:changes"
        self._poll = poll_seconds
        self._retry = retry_seconds
        self._max_retry = max_retry_seconds
        # Merge by changed_at (rather than adopt Redis's state) at the next reconcile: true at
        # start and after a change could not be published.
        self._merge = True
        self._attempted = asyncio.Event()
        self.synced = False
        """Whether the last attempt to read Redis succeeded."""
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait: float = 2.0) -> bool:
        """Subscribe and reconcile with Redis in a background task; return once the first
        attempt is over (at most ``wait`` seconds) and say whether it succeeded. When Redis is
        down the task keeps retrying and the gateway still starts: its database holds the
        kill switch's durable state."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ordo-killswitch-relay")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._attempted.wait(), wait)
        if not self.synced:
            logger.warning("kill switch: not synchronised with Redis yet; retrying meanwhile")
        return self.synced

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def publish(self, state: KillSwitchState) -> None:
        """Share a change this replica made and persisted. Never raises: the change is in
        force here and in the database; if Redis is down it is published once Redis answers
        again (unless a newer change was made elsewhere meanwhile)."""
        try:
            await self._write(state)
        except (RedisError, OSError) as exc:
            self._merge = True
            logger.warning(
                "kill switch: could not publish the change to other replicas ({}: {}); "
                "retrying when Redis answers",
                type(exc).__name__,
                exc,
            )

    async def _write(self, state: KillSwitchState) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.set(self.key, encode_state(state))
            pipe.publish(self.channel, "changed")
            await pipe.execute()

    async def _run(self) -> None:
        delay = self._retry
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # Subscribed first, then read: no change can fall between the two.
                await self._reconcile()
                delay = self._retry
                while True:
                    # A quiet poll reconciles too, covering messages lost in a reconnect.
                    await pubsub.get_message(ignore_subscribe_messages=True, timeout=self._poll)
                    await self._reconcile()
            except (RedisError, OSError) as exc:
                self.synced = False
                self._attempted.set()
                logger.warning("kill switch: Redis unreachable ({}: {})", type(exc).__name__, exc)
            except Exception:  # a bug here must not end propagation for good
                self.synced = False
                self._attempted.set()
                logger.exception("kill switch: relay failed; restarting it")
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py: untyped
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_retry)

    async def _reconcile(self) -> None:
        changed = await self._kill_switch.apply_remote(self._resolve)
        self.synced = True
        self._attempted.set()
        if changed:
            state = self._kill_switch.state
            logger.warning(
                "kill switch {} by another replica ({}: {})",
                "activated" if state.active else "released",
                state.actor,
                state.reason,
            )

    async def _resolve(self, current: KillSwitchState) -> KillSwitchState | None:
        raw = await self._client.get(self.key)
        remote = decode_state(raw) if raw is not None else None
        if remote is None or (self._merge and local_wins(current, remote)):
            if current.changed_at is not None:
                await self._write(current)
            self._merge = False
            return None
        self._merge = False
        return remote


def local_wins(local: KillSwitchState, remote: KillSwitchState) -> bool:
    """Whether ``local`` should replace ``remote`` when Redis's order cannot decide: they
    disagree and ``local`` changed later. A state that never changed never wins."""
    if local.active == remote.active or local.changed_at is None:
        return False
    return remote.changed_at is None or _utc(local.changed_at) > _utc(remote.changed_at)


def encode_state(state: KillSwitchState) -> str:
    return json.dumps(
        {
            "active": state.active,
            "reason": state.reason,
            "actor": state.actor,
            "changed_at": state.changed_at.isoformat() if state.changed_at else None,
        }
    )


def decode_state(raw: bytes | str) -> KillSwitchState | None:
    """The state stored in Redis, or ``None`` (logged) when it cannot be read."""
    try:
        data: Any = json.loads(raw)
        changed = data["changed_at"]
        return KillSwitchState(
            active=bool(data["active"]),
            reason=_optional_str(data.get("reason")),
            actor=_optional_str(data.get("actor")),
            changed_at=_utc(datetime.fromisoformat(changed)) if changed else None,
        )
    except (ValueError, TypeError, KeyError) as exc:
        logger.warning("kill switch: ignoring an unreadable state in Redis ({})", exc)
        return None


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; Ordo stores them in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
