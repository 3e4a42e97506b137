"""Records every call that reached the paper broker, so tests can assert what it saw.

A call is recorded when it arrives, before latency and fault injection, so failed attempts
count too; ``reached`` tells whether it got past the faults to the broker's logic and
``outcome`` is ``"ok"`` or the error code it ended with.

Selectors: an operation name (``"place_order"``), a ``RateScope`` or its value
(``"orders"``, ``"reads"``, ``"quotes"``, ``"all"``), or ``None`` for every call.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ordo.adapters.base import RateLimit, RateScope

OPERATION_SCOPES: dict[str, RateScope] = {
    "place_order": RateScope.ORDERS,
    "modify_order": RateScope.ORDERS,
    "cancel_order": RateScope.ORDERS,
    "get_quotes": RateScope.QUOTES,
    "get_funds": RateScope.READS,
    "get_holdings": RateScope.READS,
    "get_positions": RateScope.READS,
    "get_order": RateScope.READS,
    "list_orders": RateScope.READS,
    "get_trades": RateScope.READS,
    "find_orders_by_tag": RateScope.READS,
    "load_instruments": RateScope.READS,
}
"""Login and logout steps have no scope of their own: they count only under ``ALL``."""

_SCOPE_VALUES = frozenset(scope.value for scope in RateScope)
EPSILON = 1e-9
"""Calls a full period apart up to float noise are in different windows."""
PENDING = "pending"
OK = "ok"


@dataclass(slots=True)
class CallRecord:
    operation: str
    scope: RateScope | None
    at: float
    """``monotonic`` seconds when the call arrived."""
    reached: bool = False
    outcome: str = PENDING


def _matcher(selector: str | None) -> Callable[[CallRecord], bool]:
    if selector is None or selector == RateScope.ALL:
        return lambda record: True
    if selector in _SCOPE_VALUES:
        scope = RateScope(selector)
        return lambda record: record.scope is scope
    return lambda record: record.operation == selector


class CallRecorder:
    """Call log of one paper broker."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._records: list[CallRecord] = []

    def start(self, operation: str) -> CallRecord:
        record = CallRecord(operation, OPERATION_SCOPES.get(operation), self._clock())
        self._records.append(record)
        return record

    @property
    def records(self) -> tuple[CallRecord, ...]:
        return tuple(self._records)

    def reset(self) -> None:
        self._records.clear()

    def _select(self, selector: str | None, reached: bool | None) -> Iterable[CallRecord]:
        match = _matcher(selector)
        return (r for r in self._records if match(r) and (reached is None or r.reached is reached))

    def count(self, selector: str | None = None, *, reached: bool | None = None) -> int:
        """Calls of ``selector``; ``reached=True`` only those that got past the faults."""
        return sum(1 for _ in self._select(selector, reached))

    def counts(self, *, reached: bool | None = None) -> dict[str, int]:
        """Calls per operation name."""
        return dict(Counter(r.operation for r in self._select(None, reached)))

    def outcomes(self, selector: str | None = None) -> Counter[str]:
        """How calls of ``selector`` ended: ``"ok"`` or an error code."""
        return Counter(r.outcome for r in self._select(selector, None))

    def times(self, selector: str | None = None, *, reached: bool | None = None) -> list[float]:
        return [r.at for r in self._select(selector, reached)]

    def max_in_window(
        self, seconds: float, selector: str | None = None, *, reached: bool | None = None
    ) -> int:
        """The most calls of ``selector`` in any window of ``seconds``: the largest group
        whose first and last arrivals are less than ``seconds`` apart, up to float noise (so a
        quota of N per S seconds holds exactly when this is at most N)."""
        times = self.times(selector, reached=reached)
        best = start = 0
        for end, at in enumerate(times):
            while at - times[start] >= seconds - EPSILON:
                start += 1
            best = max(best, end - start + 1)
        return best

    def retry_after(self, record: CallRecord, limits: Iterable[RateLimit]) -> float | None:
        """When ``record`` would break one of ``limits``: seconds until it would not.

        Calls the broker itself refused for rate are not counted, like a real broker's
        quota that counts accepted requests."""
        wait: float | None = None
        for limit in limits:
            match = _matcher(limit.scope.value)
            if not match(record):
                continue
            earlier: list[float] = []
            # Records are in arrival order: walk back only as far as the window reaches.
            for r in reversed(self._records):
                if record.at - r.at >= limit.period - EPSILON:
                    break
                if r is not record and r.outcome != "RATE_LIMITED" and match(r):
                    earlier.append(r.at)
            earlier.reverse()
            if len(earlier) >= limit.max_calls:
                oldest_needed = earlier[len(earlier) - limit.max_calls]
                needed = oldest_needed + limit.period - record.at
                wait = needed if wait is None else max(wait, needed)
        return wait
