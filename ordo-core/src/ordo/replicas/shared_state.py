"""Everything one replica shares with the others through Redis, built from one URL."""

from __future__ import annotations

from loguru import logger
from redis.asyncio import Redis

from ordo.replicas.client import DEFAULT_PREFIX, connect_redis, redact_url
from ordo.replicas.redis_killswitch import KillSwitchRelay
from ordo.replicas.redis_limiter import RedisWindows
from ordo.safety.killswitch import KillSwitch


class SharedState:
    """The Redis client, the shared rate-limit windows and the kill-switch relay.

    Build it, pass ``windows`` to every ``AccountLimiter``, have the kill switch's save
    callback call ``kill_switch.publish`` after persisting, ``await start()`` after the kill
    switch has loaded its persisted state, and ``await aclose()`` at shutdown.
    """

    def __init__(
        self, client: Redis, kill_switch: KillSwitch, *, prefix: str = DEFAULT_PREFIX
    ) -> None:
        self.client = client
        self.windows = RedisWindows(client, prefix=prefix)
        self.kill_switch = KillSwitchRelay(client, kill_switch, prefix=prefix)

    @classmethod
    def from_url(
        cls, url: str, kill_switch: KillSwitch, *, prefix: str = DEFAULT_PREFIX
    ) -> SharedState:
        """Nothing connects yet: Redis is first reached by ``start`` or an admission."""
        logger.info("shared state in Redis at {}", redact_url(url))
        return cls(connect_redis(url), kill_switch, prefix=prefix)

    async def start(self) -> bool:
        """Start propagating the kill switch; whether Redis answered."""
        return await self.kill_switch.start()

    async def aclose(self) -> None:
        await self.kill_switch.stop()
        await self.client.aclose()
