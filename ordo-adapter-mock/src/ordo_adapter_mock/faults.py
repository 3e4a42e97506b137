"""Fault injection and simulated latency.

Each call asks ``FaultInjector.draw`` for its fate. Scripted faults (``fail_next``) come
first, in the order they were queued; then per-kind probabilities drawn from a seeded RNG, so
the same seed and the same sequence of calls give the same faults.

What a kind means to the caller:

- ``UNAVAILABLE``: ``BrokerUnavailable`` before anything takes effect.
- ``RATE_LIMITED``: ``RateLimited(retry_after)`` before anything takes effect.
- ``SESSION_EXPIRY``: every session ends at the broker; the call raises ``SessionExpired``.
- ``OUTCOME_UNKNOWN``: writes only. The request takes effect, then its reply is lost:
  ``OutcomeUnknown``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    SESSION_EXPIRY = "session_expiry"
    OUTCOME_UNKNOWN = "outcome_unknown"


class CallKind(StrEnum):
    """How a fault applies to a call."""

    PUBLIC = "public"
    """Login steps and public data, no session needed: only ``UNAVAILABLE`` and
    ``RATE_LIMITED`` apply."""
    READ = "read"
    """Needs a session; everything but ``OUTCOME_UNKNOWN`` applies."""
    WRITE = "write"
    """Place, modify, cancel: every kind applies."""


_APPLICABLE: dict[CallKind, frozenset[FaultKind]] = {
    CallKind.PUBLIC: frozenset({FaultKind.UNAVAILABLE, FaultKind.RATE_LIMITED}),
    CallKind.READ: frozenset(
        {FaultKind.UNAVAILABLE, FaultKind.RATE_LIMITED, FaultKind.SESSION_EXPIRY}
    ),
    CallKind.WRITE: frozenset(FaultKind),
}
_DRAW_ORDER = (
    FaultKind.UNAVAILABLE,
    FaultKind.RATE_LIMITED,
    FaultKind.SESSION_EXPIRY,
    FaultKind.OUTCOME_UNKNOWN,
)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: float = 1.0


@dataclass
class _Scripted:
    kind: FaultKind
    remaining: int
    operations: frozenset[str] | None
    retry_after: float


class FaultInjector:
    """Decides which calls fail, and how."""

    def __init__(
        self,
        *,
        seed: int = 0,
        probabilities: dict[FaultKind, float] | None = None,
        retry_after: float = 1.0,
    ) -> None:
        self._rng = random.Random(f"{seed}:faults")  # noqa: S311 - simulation, not crypto
        self.probabilities: dict[FaultKind, float] = dict.fromkeys(FaultKind, 0.0)
        self.retry_after = retry_after
        """``retry_after`` of probabilistic ``RATE_LIMITED`` faults."""
        self._scripted: list[_Scripted] = []
        self.injected: Counter[FaultKind] = Counter()
        """How many faults of each kind were handed out."""
        for kind, probability in (probabilities or {}).items():
            self.set_probability(kind, probability)

    def set_probability(self, kind: FaultKind, probability: float) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"a probability is between 0 and 1, not {probability}")
        self.probabilities[FaultKind(kind)] = probability

    def fail_next(
        self,
        kind: FaultKind,
        times: int = 1,
        *,
        operations: Iterable[str] | None = None,
        retry_after: float = 1.0,
    ) -> None:
        """Fail the next ``times`` calls that ``kind`` applies to (only calls named in
        ``operations``, e.g. ``{"place_order"}``, when given)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        ops = frozenset(operations) if operations is not None else None
        self._scripted.append(_Scripted(FaultKind(kind), times, ops, retry_after))

    def clear(self) -> None:
        """Drop scripted faults and zero every probability."""
        self._scripted.clear()
        self.probabilities = dict.fromkeys(FaultKind, 0.0)

    @property
    def pending(self) -> int:
        """Scripted faults not yet handed out."""
        return sum(item.remaining for item in self._scripted)

    def draw(self, operation: str, kind: CallKind) -> Fault | None:
        """The fault for one call of ``operation``, or ``None``."""
        applicable = _APPLICABLE[kind]
        fault = self._draw_scripted(operation, applicable) or self._draw_random(applicable)
        if fault is not None:
            self.injected[fault.kind] += 1
        return fault

    def _draw_scripted(self, operation: str, applicable: frozenset[FaultKind]) -> Fault | None:
        for index, item in enumerate(self._scripted):
            if item.kind not in applicable:
                continue
            if item.operations is not None and operation not in item.operations:
                continue
            item.remaining -= 1
            if item.remaining == 0:
                del self._scripted[index]
            return Fault(item.kind, item.retry_after)
        return None

    def _draw_random(self, applicable: frozenset[FaultKind]) -> Fault | None:
        if not any(self.probabilities.values()):
            return None  # keeps the fault-free path free of RNG work
        # Draw for every kind on every call so the RNG stream depends only on the number
        # of calls, not on which kinds applied to them.
        rolls = [(kind, self._rng.random()) for kind in _DRAW_ORDER]
        for kind, roll in rolls:
            if kind in applicable and roll < self.probabilities[kind]:
                return Fault(kind, self.retry_after)
        return None


class Latency:
    """Simulated round-trip time: ``fixed_ms`` plus a seeded uniform ``[0, jitter_ms]``."""

    def __init__(self, fixed_ms: float = 0.0, jitter_ms: float = 0.0, *, seed: int = 0) -> None:
        if fixed_ms < 0 or jitter_ms < 0:
            raise ValueError("latency cannot be negative")
        self.fixed_ms = fixed_ms
        self.jitter_ms = jitter_ms
        self._rng = random.Random(f"{seed}:latency")  # noqa: S311 - simulation

    def next_delay(self) -> float:
        """Seconds the next call should take; 0.0 when latency is off."""
        if self.jitter_ms:
            return (self.fixed_ms + self._rng.uniform(0.0, self.jitter_ms)) / 1000.0
        return self.fixed_ms / 1000.0
