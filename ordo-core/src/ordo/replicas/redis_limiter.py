"""Rate-limit windows shared by several replicas, in Redis.

One sorted set per (account, window) logs the grants of every replica, scored by the Redis
server's clock (``TIME``), so replicas with drifting clocks still agree. One Lua script
prunes, counts and adds atomically across all of a call's windows: a grant is recorded in
every window or in none, and no two replicas can both take the last slot. A broker 429 seen
by any replica sets a pause key with a millisecond expiry that the same script checks first.

Keys (``{account}`` is a Redis Cluster hash tag, so one script's keys share a slot):
``<prefix>rl:{<account>}:pause`` and ``<prefix>rl:{<account>}:<name>``, where a broker quota's
name is ``<scope>:<max_calls>/<period>`` and a segment's order-rate ceiling's is
``segment:<segment>:<max_calls>/<period>``. Replicas share a window when they use the same
prefix, account name and window name.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ordo.replicas.client import DEFAULT_PREFIX
from ordo.safety.shared_limits import SharedStateUnavailable, SharedVerdict, WindowSpec
from ordo.safety.window_log import window_name

# Times are integer microseconds: exact in Lua's doubles (< 2^53) and finer than any quota.
# Numbers are formatted with %.0f before Redis sees them: Lua's default conversion keeps 14
# significant digits and would round a microsecond timestamp.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then
  return {0, paused * 1000}
end
local n = #KEYS - 1
local reply = {0, 0}
local refused = false
for k = 1, n do
  local key = KEYS[k + 1]
  local max = tonumber(ARGV[2 * k])
  local span = tonumber(ARGV[2 * k + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - span))
  local count = redis.call('ZCARD', key)
  local wait = 0
  if count >= max then
    local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    wait = math.max(1, tonumber(oldest[2]) + span - now)
    refused = true
  end
  reply[k + 2] = wait
end
if refused then
  return reply
end
local score = string.format('%.0f', now)
for k = 1, n do
  local key = KEYS[k + 1]
  redis.call('ZADD', key, score, ARGV[1])
  local ttl = math.ceil(tonumber(ARGV[2 * k + 1]) / 1000) + 1000
  redis.call('PEXPIRE', key, string.format('%.0f', ttl))
end
return {1}
"""

_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
return 0
"""

_MICROS = 1_000_000


class RedisWindows:
    """``SharedWindows`` in Redis: see the module docstring for the data layout."""

    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._admit = client.register_script(_ADMIT)
        self._pause = client.register_script(_PAUSE)

    def pause_key(self, account: str) -> str:
        return f"{self._prefix}rl:{{{account}}}:pause"

    def window_key(self, account: str, window: WindowSpec) -> str:
        return f"{self._prefix}rl:{{{account}}}:{window.name or window_name(window.limit)}"

    async def admit(self, account: str, windows: Sequence[WindowSpec]) -> SharedVerdict:
        """Record one grant in all of ``windows`` or refuse; see ``SharedWindows.admit``."""
        keys = [self.pause_key(account), *(self.window_key(account, w) for w in windows)]
        args: list[str | int] = [secrets.token_hex(8)]
        for window in windows:
            args += [window.limit.max_calls, math.ceil(window.span * _MICROS)]
        try:
            reply = await self._admit(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            raise SharedStateUnavailable(_describe(exc)) from exc
        return parse_admit_reply(reply, len(windows))

    async def pause(self, account: str, seconds: float) -> None:
        """Set the account's shared pause unless a longer one is in force."""
        millis = math.ceil(seconds * 1000)
        if millis <= 0:
            return
        try:
            await self._pause(keys=[self.pause_key(account)], args=[millis])
        except (RedisError, OSError) as exc:
            raise SharedStateUnavailable(_describe(exc)) from exc


def parse_admit_reply(reply: object, windows: int) -> SharedVerdict:
    """The admit script's reply (``[1]``, or ``[0, pause_us, wait_us...]``) as a verdict."""
    if not isinstance(reply, list) or not reply:
        raise SharedStateUnavailable(f"unexpected reply from the admit script: {reply!r}")
    values = [int(v) for v in reply]
    if values[0] == 1:
        return SharedVerdict(admitted=True)
    paused = values[1] / _MICROS if len(values) > 1 else 0.0
    waits = tuple(v / _MICROS for v in values[2 : 2 + windows])
    return SharedVerdict(admitted=False, paused_for=paused, waits=waits)


def _describe(exc: BaseException) -> str:
    # redis-py's messages name host and port only, never the URL's password.
    return f"{type(exc).__name__}: {exc}"
