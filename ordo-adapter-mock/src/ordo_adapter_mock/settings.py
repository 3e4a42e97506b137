"""Settings of the paper broker adapter (``MockAdapter.Settings``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from ordo.adapters.base import AdapterSettings, RateLimit, RateScope
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ordo_adapter_mock.faults import FaultKind

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class FaultSettings(BaseModel):
    """Per-call probability of each injected fault (0 = never)."""

    model_config = ConfigDict(extra="forbid")

    unavailable: Probability = 0.0
    """``BrokerUnavailable`` before the call takes effect."""
    rate_limited: Probability = 0.0
    """``RateLimited`` before the call takes effect."""
    outcome_unknown: Probability = 0.0
    """Writes only: the call takes effect, then ``OutcomeUnknown``."""
    session_expiry: Probability = 0.0
    """Every session ends at the broker; the call raises ``SessionExpired``."""
    retry_after_seconds: Annotated[float, Field(ge=0.0)] = 1.0
    """``retry_after`` carried by injected ``RateLimited`` errors."""

    def probabilities(self) -> dict[FaultKind, float]:
        return {
            FaultKind.UNAVAILABLE: self.unavailable,
            FaultKind.RATE_LIMITED: self.rate_limited,
            FaultKind.OUTCOME_UNKNOWN: self.outcome_unknown,
            FaultKind.SESSION_EXPIRY: self.session_expiry,
        }


class MockSettings(AdapterSettings):
    """Configuration of one paper account."""

    starting_cash: Annotated[Decimal, Field(ge=0)] = Decimal("10000000")
    """Opening cash in INR (default one crore: the cash model has no leverage)."""
    seed: int = 0
    """Seeds starting prices, the random walk, fault draws and latency jitter."""
    as_of: date | None = None
    """Trading day the instrument master is built for (derivative expiries); today (IST)
    when unset. Fix it for reproducible symbols."""
    user_id: str = "PAPER1"
    login_otp: SecretStr | None = None
    """Unset: ``begin_login`` returns a session. Set: an OTP challenge whose answer must
    equal it."""
    challenge_ttl_seconds: Annotated[float, Field(ge=0)] = 300.0
    session_ttl_seconds: Annotated[float, Field(gt=0)] | None = None
    """Session lifetime; unset means until the next midnight IST, like Indian brokers."""
    latency_ms: Annotated[float, Field(ge=0)] = 0.0
    latency_jitter_ms: Annotated[float, Field(ge=0)] = 0.0
    """Each call takes ``latency_ms`` plus a seeded uniform share of this."""
    faults: FaultSettings = Field(default_factory=FaultSettings)
    orders_per_second: Annotated[int, Field(ge=1)] | None = 10
    orders_per_minute: Annotated[int, Field(ge=1)] | None = 200
    """Declared order quotas (``rate_limits``); ``None`` drops a quota."""
    enforce_rate_limits: bool = False
    """Refuse calls beyond the declared quotas with ``RateLimited``, as a real broker
    would. Off by default: the core is expected to stay within them."""
    price_volatility: Annotated[float, Field(ge=0.0, le=0.2)] = 0.002
    """Standard deviation of one ``tick()`` step, as a fraction of the price."""
    number_across_restarts: bool = False
    """Continue order and trade numbers after a restart (recorded in the account's data
    directory) instead of counting from 1 again. The gateway's ledger and event log outlive
    the in-memory paper book, so a long-lived paper account wants this; off (the default),
    a seed replays the same history, order ids included."""

    def rate_limits(self) -> tuple[RateLimit, ...]:
        limits: list[RateLimit] = []
        if self.orders_per_second is not None:
            limits.append(RateLimit(self.orders_per_second, 1.0, RateScope.ORDERS))
        if self.orders_per_minute is not None:
            limits.append(RateLimit(self.orders_per_minute, 60.0, RateScope.ORDERS))
        return tuple(limits)
