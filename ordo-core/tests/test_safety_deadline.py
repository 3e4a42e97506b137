"""Deadline: monotonic, injectable clock."""

from __future__ import annotations

import math

import pytest
from ordo.safety.deadline import Deadline


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def is_expired(deadline: Deadline) -> bool:
    """Reads the property afresh: mypy would keep ``deadline.expired`` narrowed by an
    earlier assert, though the clock moves it on."""
    return deadline.expired


def test_remaining_counts_down_and_expires() -> None:
    clock = FakeClock()
    deadline = Deadline.after(2.5, clock=clock)
    assert deadline.remaining() == pytest.approx(2.5)
    assert not deadline.expired
    clock.now += 1.0
    assert deadline.remaining() == pytest.approx(1.5)
    clock.now += 1.5
    assert is_expired(deadline)
    assert deadline.remaining() == 0.0
    clock.now += 10
    assert deadline.remaining() == 0.0


def test_negative_budget_is_already_expired() -> None:
    deadline = Deadline.after(-1, clock=FakeClock())
    assert deadline.expired
    assert deadline.remaining() == 0.0


def test_within_never_extends_the_deadline() -> None:
    clock = FakeClock()
    deadline = Deadline.after(5, clock=clock)
    assert deadline.within(2).remaining() == pytest.approx(2)
    assert deadline.within(60).remaining() == pytest.approx(5)
    assert deadline.within(60).at == deadline.at


def test_never_does_not_expire() -> None:
    clock = FakeClock()
    deadline = Deadline.never(clock=clock)
    clock.now = 1e12
    assert not deadline.expired
    assert math.isinf(deadline.remaining())


def test_default_clock_is_monotonic() -> None:
    deadline = Deadline.after(30)
    assert 29 < deadline.remaining() <= 30
    assert "remaining=" in repr(deadline)
