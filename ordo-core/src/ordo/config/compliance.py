"""``compliance:``: the 2026 trading rules Ordo applies to every order (see
``docs/operations.md``, "Trading under the 2026 rules").

The exchanges reject more than 10 orders per second per client and exchange segment, and
count on the broker's clock (``../shared/brokers/regulation.md``); the default ceiling of 9
leaves one order of margin for the skew between Ordo's clock and the broker's. They reject
algo market orders (hence the protection) and orders above a contract's freeze quantity.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ordo.domain.orders import ProtectionPct
from ordo.domain.segments import REGULATORY_ORDERS_PER_SECOND

DEFAULT_ORDERS_PER_SECOND = 9

_RATE_DOC = (
    "Most orders (place, modify and cancel together) per second per exchange segment, "
    f"1..{REGULATORY_ORDERS_PER_SECOND} (the exchanges' limit)."
)

_UNDERLYING = re.compile(r"^[A-Z0-9&_\-.]{1,32}$")

NSE_FREEZE_QUANTITIES: dict[str, int] = {
    "NIFTY": 1800,
    "BANKNIFTY": 900,
    "FINNIFTY": 1800,
    "MIDCPNIFTY": 2800,
    "NIFTYNXT50": 600,
    "SENSEX": 1000,
    "BANKEX": 900,
}
"""Indicative index freeze quantities (units per order). The exchanges revise them with lot
sizes: check the current NSE/BSE circular and set ``compliance.freeze_quantities``."""


class ComplianceConfig(BaseModel):
    """Gateway-wide regulatory limits: order-rate ceiling, market protection, freeze
    quantities."""

    model_config = ConfigDict(extra="forbid")

    order_rate_per_second: int = Field(
        default=DEFAULT_ORDERS_PER_SECOND,
        ge=1,
        le=REGULATORY_ORDERS_PER_SECOND,
        description=_RATE_DOC + " Default 9: the regulatory 10 less a margin for clock skew.",
    )
    market_protection_pct: ProtectionPct = Field(
        default=Decimal("2"),
        description="Default protection of MARKET and SL-M orders, in percent (0, 20]: a "
        "request's own market_protection_pct wins.",
    )
    freeze_quantities: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: dict(NSE_FREEZE_QUANTITIES),
        description="Exchange freeze quantity (units per order) by underlying, for "
        "derivatives whose broker master does not carry one (the master's value wins).",
    )

    @field_validator("freeze_quantities")
    @classmethod
    def _underlyings(cls, value: dict[str, int]) -> dict[str, int]:
        normal = {name.strip().upper(): qty for name, qty in value.items()}
        bad = sorted(name for name in normal if not _UNDERLYING.match(name))
        if bad:
            raise ValueError(f"not an underlying symbol: {', '.join(bad)}")
        return normal

    def freeze_quantity(self, underlying: str | None) -> int | None:
        return None if underlying is None else self.freeze_quantities.get(underlying.upper())


class AccountCompliance(BaseModel):
    """One account's overrides (a broker that sets a lower limit than the exchange)."""

    model_config = ConfigDict(extra="forbid")

    order_rate_per_second: int | None = Field(
        default=None,
        ge=1,
        le=REGULATORY_ORDERS_PER_SECOND,
        description=_RATE_DOC + " Unset: the gateway-wide compliance.order_rate_per_second "
        "(none for a paper account, whose orders reach no exchange).",
    )
