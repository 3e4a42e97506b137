"""Market protection: how a MARKET (or SL-M) order leaves Ordo under the 2026 rules.

Exchanges reject algo market orders, so Ordo never sends one naked: a broker with a
market-protection field gets the order with its percentage, any other broker gets a LIMIT
(SL-M: SL) whose price is the reference price moved by the percentage in the order's
direction and rounded to the tick on the protective side, so the cap is never exceeded.
Pure functions, no I/O.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ordo.domain.enums import OrderType, Side
from ordo.domain.orders import MAX_PROTECTION_PCT, OrderRequest

NAKED_TYPES = (OrderType.MARKET, OrderType.SL_M)
"""Order types that trade at whatever the market offers unless protected."""


class MarketProtection(StrEnum):
    """How an adapter sends a MARKET or SL-M order (``BrokerAdapter.market_protection``)."""

    FIELD = "field"
    """The broker's own market-protection field carries the percentage; the order type
    stays MARKET (SL-M)."""
    LIMIT = "limit"
    """Ordo converts the order to a LIMIT (SL-M: SL) priced from a fresh quote (SL-M: from
    its trigger) plus or minus the percentage, rounded to the tick."""


class SentForm(BaseModel):
    """What was actually sent for a leg whose order was MARKET or SL-M."""

    model_config = ConfigDict(frozen=True)

    order_type: OrderType
    price: Decimal | None = None
    """The protective limit price (``limit`` protection); ``None`` for ``field``."""
    protection: MarketProtection
    market_protection_pct: Decimal
    reference_price: Decimal | None = None
    """The quote (or trigger) the limit price was computed from."""


def protected_limit_price(side: Side, reference: Decimal, pct: Decimal, tick: Decimal) -> Decimal:
    """The limit price that protects a market order: a buy pays at most ``reference`` plus
    ``pct`` percent, rounded DOWN to ``tick``; a sell takes at least ``reference`` minus
    ``pct`` percent, rounded UP to ``tick``. Never below one tick."""
    if reference <= 0 or tick <= 0:
        raise ValueError("the reference price and the tick size must be positive")
    if not 0 < pct <= MAX_PROTECTION_PCT:
        raise ValueError(f"market_protection_pct must be in (0, {MAX_PROTECTION_PCT}]")
    factor = (Decimal(100) + pct) / 100 if side is Side.BUY else (Decimal(100) - pct) / 100
    ticks = (reference * factor) / tick
    rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    whole = ticks.to_integral_value(rounding=rounding)
    return max(whole, Decimal(1)) * tick


def is_naked(order: OrderRequest) -> bool:
    return order.order_type in NAKED_TYPES


def as_protected_limit(
    order: OrderRequest, reference: Decimal, pct: Decimal, tick: Decimal
) -> tuple[OrderRequest, SentForm]:
    """``order`` (MARKET or SL-M) as the LIMIT (SL) that protects it, and what that is."""
    price = protected_limit_price(order.side, reference, pct, tick)
    kind = OrderType.LIMIT if order.order_type is OrderType.MARKET else OrderType.SL
    sent = order.model_copy(
        update={"order_type": kind, "price": price, "market_protection_pct": pct}
    )
    form = SentForm(
        order_type=kind,
        price=price,
        protection=MarketProtection.LIMIT,
        market_protection_pct=pct,
        reference_price=reference,
    )
    return sent, form


def with_protection_field(order: OrderRequest, pct: Decimal) -> tuple[OrderRequest, SentForm]:
    """``order`` unchanged but for its percentage, for a broker with a protection field."""
    sent = order.model_copy(update={"market_protection_pct": pct})
    form = SentForm(
        order_type=order.order_type, protection=MarketProtection.FIELD, market_protection_pct=pct
    )
    return sent, form
