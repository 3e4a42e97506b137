"""``compliance:``: the 2026 trading rules Ordo applies to every order (see
``docs/operations.md``, "Trading under the 2026 rules")."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ordo.domain.orders import ProtectionPct

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
    """Market protection and freeze quantities."""

    model_config = ConfigDict(extra="forbid")

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
