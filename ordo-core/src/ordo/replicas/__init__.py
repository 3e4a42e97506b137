"""Optional state shared by several gateway replicas through Redis (``ORDO_REDIS_URL``).

PostgreSQL already shares the durable state (idempotency keys, the order ledger, sessions,
the kill switch's record). Redis adds what must be shared at the speed of a single call:
the rate-limit windows of each broker account, the broker's 429 pauses, and kill-switch
changes. See ``docs/replicas.md``.
"""

from ordo.replicas.client import DEFAULT_PREFIX, connect_redis, redact_url
from ordo.replicas.redis_killswitch import KillSwitchRelay
from ordo.replicas.redis_limiter import RedisWindows
from ordo.replicas.shared_state import SharedState

__all__ = [
    "DEFAULT_PREFIX",
    "KillSwitchRelay",
    "RedisWindows",
    "SharedState",
    "connect_redis",
    "redact_url",
]
