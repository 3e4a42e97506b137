"""The seam between an adapter package's fake broker and Ordo's compliance suite.

Each adapter package ships an ``AdapterHarness`` subclass (entry point group
``ordo.harness``, name = adapter id). The harness builds the package's fake broker in
process, wires a fresh adapter to it through ``httpx.ASGITransport`` and knows how to answer
the fake's login challenges and flip its fault switches. The compliance suite and
``ordo adapters check ID`` use nothing else.
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from ordo.adapters.base import BrokerAdapter
from ordo.domain import BrokerSession, LoginChallenge, SymbolRef

HARNESS_GROUP = "ordo.harness"


@dataclass(frozen=True)
class SampleInstruments:
    """Instruments of the fake's master that the suite trades and quotes."""

    equity: SymbolRef
    """Tradable, quoted, lot size 1."""
    resting_buy_price: Decimal
    """A valid limit price (on the tick) far enough below the market that a BUY LIMIT at it
    rests open, so it can be modified and cancelled."""
    unknown: SymbolRef
    """Absent from the master."""
    derivative: SymbolRef | None = None
    untradable: SymbolRef | None = None


class AdapterHarness(ABC):
    """Builds adapters against an in-process fake of the broker."""

    adapter_cls: ClassVar[type[BrokerAdapter]]

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    @abstractmethod
    def create_adapter(self, account: str = "compliance") -> BrokerAdapter:
        """A fresh adapter, not logged in, whose HTTP goes to this harness's fake."""

    @abstractmethod
    def answer(self, challenge: LoginChallenge) -> str:
        """What a user would answer to ``challenge`` (the fake's OTP, a redirect URL...)."""

    @abstractmethod
    def samples(self) -> SampleInstruments: ...

    @abstractmethod
    def expire_sessions(self) -> None:
        """Make the fake treat every issued token as expired from now on."""

    @abstractmethod
    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        """Make the fake answer the next call with its rate-limit reply."""

    def wrong_answer(self, challenge: LoginChallenge) -> str:
        """An answer the fake refuses (a wrong OTP)."""
        return "000000" if self.answer(challenge) != "000000" else "999999"

    async def login(self, adapter: BrokerAdapter, *, max_steps: int = 6) -> BrokerSession:
        """Walk every challenge to an active session and hand it to the adapter."""
        step = await adapter.begin_login()
        for _ in range(max_steps):
            if isinstance(step, BrokerSession):
                adapter.restore_session(step)
                return step
            step = await adapter.complete_login(step, self.answer(step))
        raise AssertionError(f"login did not finish within {max_steps} steps")

    async def aclose(self) -> None:  # noqa: B027 - optional override, nothing to release by default
        """Release whatever the harness opened."""


def load_harness(adapter_id: str) -> type[AdapterHarness]:
    """The harness class an installed adapter package registers under ``ordo.harness``."""
    for ep in importlib.metadata.entry_points(group=HARNESS_GROUP):
        if ep.name == adapter_id:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, AdapterHarness)):
                raise TypeError(f"{ep.value} is not an AdapterHarness subclass")
            return cls
    raise LookupError(f"no harness is installed for adapter {adapter_id!r}")
