"""One order leg, from pre-trade checks to a settled ledger entry, never sent twice.

A leg is written to the ledger before the broker is called. Errors that prove the broker
did not act (``BrokerUnavailable``, ``RateLimited``) are retried with backoff inside the
request deadline. An ``OutcomeUnknown`` is reconciled by the leg's tag: the order is resent
only when the broker's book proves it absent; when that cannot be decided before the
deadline the leg stays ``unknown`` for the background reconciler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import BrokerError, OutcomeUnknown
from ordo.context import current_algo
from ordo.domain import Order, OrderAck, OrderRequest
from ordo.domain.segments import segment_of
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.guard import CallGuard, CallKind, guarded_read
from ordo.safety.deadline import Deadline
from ordo.safety.limiter import Priority
from ordo.safety.retry import WRITE_RETRY_ON, RetryPolicy, call_with_retry


class Absent(Enum):
    """The broker's book proves no order carries the tag."""

    PROVEN = "absent"


@dataclass
class Sent:
    ack: OrderAck
    reconciled: bool = False


async def find_by_tag(
    gateway: CallGuard,
    account: Account,
    tag: str,
    *,
    deadline: Deadline,
    policy: RetryPolicy,
) -> Order | Absent:
    """The order carrying ``tag``, or ``Absent.PROVEN``; raises when the book cannot be read
    before the deadline."""
    orders = await guarded_read(
        gateway,
        account,
        "find_orders_by_tag",
        lambda: account.adapter.find_orders_by_tag(tag),
        deadline=deadline,
        policy=policy,
    )
    return orders[0] if orders else Absent.PROVEN


def ack_of(order: Order) -> OrderAck:
    return OrderAck(order_id=order.order_id, status=order.status, message=order.status_message)


def placing(account: Account, order: OrderRequest, tag: str) -> Callable[[], Awaitable[OrderAck]]:
    """The adapter call that places ``order``: with the API token's algo metadata where
    the adapter has a field for it (``Capability.ALGO_ID``), else the plain call."""
    adapter = account.adapter
    algo = current_algo()
    if algo is not None and adapter.supports(Capability.ALGO_ID):
        return lambda: adapter.place_algo_order(order, tag, algo)
    return lambda: adapter.place_order(order, tag)


async def send_once(
    gateway: CallGuard,
    account: Account,
    order: OrderRequest,
    tag: str,
    *,
    deadline: Deadline,
    policy: RetryPolicy,
    before_send: Any = None,
    settle: float = 0.0,
    audit: dict[str, Any] | None = None,
    priority: Priority | None = None,
) -> Sent:
    """Place ``order`` with ``tag`` so that at most one order carries the tag.

    Raises ``OutcomeUnknown`` when reconciliation cannot decide before the deadline, and the
    broker's error when it refuses.
    """
    reconciled = False
    segment = segment_of(order.exchange)
    place = placing(account, order, tag)
    while True:
        try:
            ack = await call_with_retry(
                lambda: gateway.call(
                    account,
                    "place_order",
                    place,
                    kind=CallKind.ORDER,
                    deadline=deadline,
                    before_send=before_send,
                    audit=audit,
                    segment=segment,
                    priority=priority,
                ),
                deadline=deadline,
                policy=policy,
                retry_on=WRITE_RETRY_ON,
            )
            return Sent(ack, reconciled)
        except OutcomeUnknown as lost:
            reconciled = True
            # Some books show a new order only after a moment; absence is trusted after it.
            if settle:
                if settle >= deadline.remaining():
                    raise
                await asyncio.sleep(settle)
            try:
                found = await find_by_tag(gateway, account, tag, deadline=deadline, policy=policy)
            except BrokerError:
                raise OutcomeUnknown(
                    f"{lost.message}; the order book could not be read before the deadline"
                ) from None
            if isinstance(found, Order):
                return Sent(ack_of(found), reconciled)
            if deadline.expired:
                raise
            # Proven absent: the broker never booked it, so sending again cannot duplicate.
