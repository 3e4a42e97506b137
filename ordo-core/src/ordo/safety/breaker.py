"""One circuit breaker per broker account (FR18).

pybreaker supplies the state machine (CLOSED, OPEN, HALF-OPEN, its listeners and
transitions). Two things it cannot do for us are layered on top: its failure counter is
*consecutive* while FR18 asks for "N failures within M seconds" (a sliding window), and its
call path is synchronous. So ``AccountBreaker`` keeps the failure window and the probe slot
itself, drives pybreaker's ``open``/``half_open``/``close`` transitions, and never lets
pybreaker run or time a call.

Which errors count is the error class's business: only ``counts_against_breaker``
(``BrokerUnavailable``, ``OutcomeUnknown``). A rejection, a bad symbol, missing funds or an
expired session says nothing about the broker's health and never trips the breaker.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import pybreaker

from ordo.errors import BrokerError, CircuitOpen, OrdoError

T = TypeVar("T")

BreakerState = Literal["CLOSED", "OPEN", "HALF-OPEN"]
OnTransition = Callable[[str, str, str], None]
"""``on_transition(account, old_state, new_state)`` with states as in ``AccountBreaker.state``."""

_STATE_NAMES: dict[str, BreakerState] = {
    pybreaker.STATE_CLOSED: "CLOSED",
    pybreaker.STATE_OPEN: "OPEN",
    pybreaker.STATE_HALF_OPEN: "HALF-OPEN",
}

# While a half-open probe is running nobody knows when the breaker will close; callers are
# told to come back after this many seconds (or the reset time, if shorter).
_PROBE_RETRY_AFTER = 1.0


def counts_as_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the broker (not the request) misbehaved."""
    return isinstance(exc, OrdoError) and exc.counts_against_breaker


class _Relay(pybreaker.CircuitBreakerListener):
    """Forwards pybreaker's state changes to ``on_transition``."""

    def __init__(self, account: str, on_transition: OnTransition) -> None:
        self._account = account
        self._on_transition = on_transition

    def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
        old = _STATE_NAMES.get(old_state.name, old_state.name) if old_state else "CLOSED"
        new = _STATE_NAMES.get(new_state.name, new_state.name)
        if old != new:
            self._on_transition(self._account, old, new)


class AccountBreaker:
    """Circuit breaker of one broker account.

    Opens after ``fail_max`` counted failures within ``window_seconds``; while open every
    call fails at once with ``CircuitOpen``; ``reset_seconds`` after opening, exactly one
    call is let through as a probe (others still get ``CircuitOpen``); a good probe closes
    the breaker, a bad one re-opens it for another ``reset_seconds``.
    """

    def __init__(
        self,
        account: str,
        *,
        fail_max: int,
        window_seconds: float,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_transition: OnTransition | None = None,
    ) -> None:
        if fail_max < 1:
            raise ValueError("fail_max must be at least 1")
        if window_seconds <= 0 or reset_seconds < 0:
            raise ValueError("window_seconds must be positive and reset_seconds not negative")
        self.account = account
        self.fail_max = fail_max
        self.window_seconds = window_seconds
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        listeners = [_Relay(account, on_transition)] if on_transition else []
        # pybreaker never runs a call here, so its own fail_max/reset_timeout are unused;
        # they are set to our values only so that its repr and introspection agree.
        self._cb = pybreaker.CircuitBreaker(
            fail_max=fail_max, reset_timeout=reset_seconds, name=account, listeners=listeners
        )
        self._failures: deque[float] = deque()
        self._opened_at: float | None = None
        self._opened_at_wall: datetime | None = None
        self._probe_running = False
        self._calls = 0
        self._successes = 0
        self._failures_total = 0
        self._rejected = 0
        self._opens = 0

    # -- state ---------------------------------------------------------------------------
    @property
    def state(self) -> BreakerState:
        """``CLOSED``, ``OPEN`` or ``HALF-OPEN``. An open breaker whose reset time has
        passed reads as ``HALF-OPEN``: the next call is the probe."""
        self._maybe_half_open()
        return _STATE_NAMES[self._cb.current_state]

    def retry_after(self) -> float:
        """Seconds until a call may be let through: 0 when closed."""
        state = self.state
        if state == "CLOSED":
            return 0.0
        if state == "HALF-OPEN":
            return min(_PROBE_RETRY_AFTER, self.reset_seconds) if self._probe_running else 0.0
        assert self._opened_at is not None
        return max(0.0, self._opened_at + self.reset_seconds - self._clock())

    def failures_in_window(self) -> int:
        self._prune(self._clock())
        return len(self._failures)

    def snapshot(self) -> dict[str, Any]:
        """State and counters for ``/status``."""
        return {
            "account": self.account,
            "state": self.state,
            "failures_in_window": self.failures_in_window(),
            "fail_max": self.fail_max,
            "window_seconds": self.window_seconds,
            "reset_seconds": self.reset_seconds,
            "opened_at": self._opened_at_wall.isoformat() if self._opened_at_wall else None,
            "retry_after": round(self.retry_after(), 3),
            "probe_running": self._probe_running,
            "total_calls": self._calls,
            "total_successes": self._successes,
            "total_failures": self._failures_total,
            "total_rejected": self._rejected,
            "total_opens": self._opens,
        }

    # -- calls ---------------------------------------------------------------------------
    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()`` under the breaker: raise ``CircuitOpen`` without calling it while
        open, record the outcome otherwise. ``fn``'s own errors propagate unchanged."""
        probe = self._admit()
        self._calls += 1
        try:
            result = await fn()
        except BrokerError as exc:
            if counts_as_failure(exc):
                self._failures_total += 1
                self._on_failure(probe)
            else:
                # The broker answered (with a business error): it is healthy.
                self._on_success(probe)
            raise
        except BaseException:
            # Cancellation or a bug on our side says nothing about the broker: free the
            # probe slot so the next caller probes instead.
            if probe:
                self._probe_running = False
            raise
        self._on_success(probe)
        return result

    def record_failure(self) -> None:
        """Count a broker failure observed outside ``call`` (e.g. by a background reader)."""
        self._failures_total += 1
        self._on_failure(probe=False)

    # -- internals -----------------------------------------------------------------------
    def _admit(self) -> bool:
        """Let a call through or raise ``CircuitOpen``; True when the call is the probe."""
        state = self.state
        if state == "CLOSED":
            return False
        if state == "HALF-OPEN" and not self._probe_running:
            self._probe_running = True
            return True
        self._rejected += 1
        wait = self.retry_after()
        raise CircuitOpen(
            f"the circuit breaker of account {self.account!r} is {state.lower()} after "
            f"repeated broker failures; retry in {wait:.1f}s",
            retry_after=wait,
        )

    def _maybe_half_open(self) -> None:
        if (
            self._cb.current_state == pybreaker.STATE_OPEN
            and self._opened_at is not None
            and self._clock() >= self._opened_at + self.reset_seconds
        ):
            self._cb.half_open()

    def _prune(self, now: float) -> None:
        horizon = now - self.window_seconds
        while self._failures and self._failures[0] <= horizon:
            self._failures.popleft()

    def _on_failure(self, probe: bool) -> None:
        now = self._clock()
        if probe:
            self._probe_running = False
            self._open(now)
            return
        if self._cb.current_state != pybreaker.STATE_CLOSED:
            # A late failure of a call started before the breaker opened: already handled.
            return
        self._failures.append(now)
        self._prune(now)
        if len(self._failures) >= self.fail_max:
            self._open(now)

    def _on_success(self, probe: bool) -> None:
        self._successes += 1
        if probe:
            self._probe_running = False
            self._failures.clear()
            self._opened_at = None
            self._opened_at_wall = None
            self._cb.close()

    def _open(self, now: float) -> None:
        self._opens += 1
        self._opened_at = now
        self._opened_at_wall = self._wall_clock()
        self._failures.clear()
        self._cb.open()

    def __repr__(self) -> str:
        return f"<AccountBreaker account={self.account!r} state={self.state}>"
