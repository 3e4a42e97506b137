"""What a pre-trade check sees, and how the core runs every ``check_order`` hook."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ordo.adapters.base import BrokerAdapter
from ordo.domain import Funds, Instrument, OrderRequest, Rejection
from ordo.hook_context import resolved


@dataclass(frozen=True)
class OrderLimits:
    """Optional per-order and per-day caps from config; ``None`` means no cap."""

    max_order_quantity: int | None = None
    max_order_value: Decimal | None = None
    max_daily_quantity: int | None = None
    max_daily_value: Decimal | None = None


class MarginSource(StrEnum):
    """What the funds check valued an order with; the order's reply says which."""

    BROKER = "broker"
    """The broker's margin calculator (``Capability.MARGIN``)."""
    ESTIMATE = "estimate"
    """Price x quantity: right for delivery, too high for intraday, wrong for F&O."""


@dataclass
class CheckContext:
    """Everything a pre-trade check may use, gathered once per leg before the checks run."""

    account: str
    adapter: BrokerAdapter
    instrument: Instrument | None
    funds: Funds | None = None
    """Cached funds (short TTL), or ``None`` when the adapter does not report funds."""
    reserved: Decimal = Decimal(0)
    """Money held by this account's orders still in flight, or spent by orders the cached
    funds do not show yet (``Reservations.committed``)."""
    reference_price: Decimal | None = None
    """The price used to value the order: its limit price, else the last traded price."""
    limits: OrderLimits = field(default_factory=OrderLimits)
    required_margin: Decimal | None = None
    """The broker's required margin for the order, when its margin calculator answered."""
    day_quantity: int = 0
    day_value: Decimal = Decimal(0)
    extra: dict[str, Any] = field(default_factory=dict)

    def order_value(self, order: OrderRequest) -> Decimal | None:
        price = order.price or self.reference_price
        return None if price is None else price * order.quantity

    @property
    def margin_source(self) -> MarginSource:
        return MarginSource.ESTIMATE if self.required_margin is None else MarginSource.BROKER

    def funds_needed(self, order: OrderRequest) -> Decimal | None:
        """The money the order will block: the broker's margin where it has a calculator,
        else the local estimate (price x quantity)."""
        if self.required_margin is not None:
            return self.required_margin
        return self.order_value(order)


async def run_checks(hook: Any, order: OrderRequest, context: CheckContext) -> list[Rejection]:
    """Call every ``check_order`` implementation; awaits those that are coroutines."""
    results = hook.check_order(order=order, account=context.account, context=context)
    return [r for r in await resolved(results) if isinstance(r, Rejection)]
