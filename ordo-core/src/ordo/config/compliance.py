"""The ``compliance`` section: limits the exchanges' rules impose on every account.

The exchanges reject more than 10 orders per second per client and exchange segment, and
count on the broker's clock (``../shared/brokers/regulation.md``); the default ceiling of 9
leaves one order of margin for the skew between Ordo's clock and the broker's.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ordo.domain.segments import REGULATORY_ORDERS_PER_SECOND

DEFAULT_ORDERS_PER_SECOND = 9

_RATE_DOC = (
    "Most orders (place, modify and cancel together) per second per exchange segment, "
    f"1..{REGULATORY_ORDERS_PER_SECOND} (the exchanges' limit)."
)


class ComplianceConfig(BaseModel):
    """Gateway-wide regulatory limits."""

    model_config = ConfigDict(extra="forbid")

    order_rate_per_second: int = Field(
        default=DEFAULT_ORDERS_PER_SECOND,
        ge=1,
        le=REGULATORY_ORDERS_PER_SECOND,
        description=_RATE_DOC + " Default 9: the regulatory 10 less a margin for clock skew.",
    )


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
