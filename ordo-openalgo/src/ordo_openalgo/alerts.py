"""Idempotency for alerts: which Ordo idempotency key an order request carries.

A client key (body ``idempotency_key`` or header ``Idempotency-Key``) is used as given. An
alert service sends none and retries on any hiccup, so without one an identical order body
from the same facade key within the configured window gets the key of the first: Ordo's
unit of work then replays the first response instead of placing again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def body_digest(endpoint: str, body: dict[str, Any]) -> str:
    canonical = json.dumps([endpoint, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class AlertWindow:
    """Remembers each (facade key, body) for ``seconds`` from its first sighting.

    In memory: replicas behind a load balancer each keep their own window (a client key is
    the way to be exact across replicas). ``clock`` is monotonic seconds; ``wall`` names new
    keys so they differ across restarts.
    """

    seconds: float
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _seen: dict[tuple[int, str], tuple[float, str]] = field(default_factory=dict)

    def key(self, caller: int, digest: str) -> str | None:
        if self.seconds <= 0:
            return None
        now = self.clock()
        self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.seconds}
        seen = self._seen.get((caller, digest))
        if seen is not None:
            return seen[1]
        key = f"openalgo:{caller}:auto:{digest[:40]}:{int(self.wall() * 1000)}"
        self._seen[(caller, digest)] = (now, key)
        return key


def client_key(caller: int, given: str) -> str:
    """A client's own key, kept apart from Ordo's REST keys and other facade keys that act
    under the same token."""
    return f"openalgo:{caller}:{given}"
