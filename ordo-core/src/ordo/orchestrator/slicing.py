"""Freeze quantities: an order above its derivative's exchange freeze quantity is refused,
or, when the request asks for ``"slice": true``, sent as child orders of at most the freeze
quantity, one after the other.

Each child is a leg of its own in the ledger (same account and leg position, the child's
quantity and ``slice`` position in its request) with a tag fixed by the idempotency key,
the account (an exit's: its own tag and quantity, ``children_of``) and its index
(``ordo.safety.tags.slice_tag``), and goes through the same path
as any leg (``LegPlacer.place_one``): reconciliation by tag, market protection, pre-trade
checks, the ledger row before the call, ``send_once`` through ``CallGuard`` (so the rate
limiter paces the children), the settlement. A retry of the key finds every child already
placed by its tag and sends none again. The first child that does not succeed stops the
rest (they are reported ``not_sent``), and so does the kill switch: it is checked before
each child (and again by the guard right before sending).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordo.domain import AccountResult, Instrument, ResultStatus
from ordo.domain.ledger import LedgerLeg
from ordo.domain.protection import SentForm
from ordo.domain.slicing import SlicedLeg, SliceResult, SliceStatus, slice_sizes
from ordo.errors import KillSwitchActive, OrdoError
from ordo.orchestrator.fanout import error_result, internal_error
from ordo.orchestrator.ledger import Ledger
from ordo.orchestrator.unit_of_work import Settlements
from ordo.safety.deadline import Deadline
from ordo.safety.killswitch import KillSwitch
from ordo.safety.tags import slice_tag

if TYPE_CHECKING:
    from ordo.orchestrator.leg import LegPlan

PlaceOne = Callable[
    ["LegPlan", Sequence[LedgerLeg], Deadline, Settlements], Awaitable[AccountResult]
]


@dataclass(frozen=True)
class FreezeLimits:
    """Where a derivative's freeze quantity comes from: the broker's master when it carries
    one, else the configured value for its underlying (``compliance.freeze_quantities``)."""

    by_underlying: Mapping[str, int] = field(default_factory=dict)

    def limit(self, instrument: Instrument | None) -> int | None:
        if instrument is None or not instrument.is_derivative:
            return None
        if instrument.freeze_quantity is not None:
            return instrument.freeze_quantity
        return self.by_underlying.get((instrument.underlying or "").upper())


class Slicer:
    """Sends one account's leg as child orders of at most the freeze quantity."""

    def __init__(self, place_one: PlaceOne, ledger: Ledger, kill_switch: KillSwitch) -> None:
        self.place_one = place_one
        self.ledger = ledger
        self.kill_switch = kill_switch

    async def place(
        self, plan: LegPlan, limit: int, deadline: Deadline, settlements: Settlements
    ) -> AccountResult:
        sizes = slice_sizes(plan.order.quantity, limit)
        children = [child_plan(plan, index, size, len(sizes)) for index, size in enumerate(sizes)]
        earlier = await self.ledger.legs_by_tags([child.tag for child in children])
        results: list[AccountResult | None] = []
        stopped: AccountResult | None = None
        for child in children:
            if stopped is not None:
                results.append(None)
                continue
            try:
                self.kill_switch.ensure_allows(plan.action)
            except KillSwitchActive as exc:
                stopped = error_result(plan.account, exc)
                results.append(None)
                continue
            result = await self._one(child, earlier.get(child.tag, ()), deadline, settlements)
            results.append(result)
            if result.status is not ResultStatus.SUCCESS:
                stopped = result
        return collate_slices(plan, limit, children, results, stopped)

    async def _one(
        self,
        child: LegPlan,
        earlier: Sequence[LedgerLeg],
        deadline: Deadline,
        settlements: Settlements,
    ) -> AccountResult:
        try:
            return await self.place_one(child, earlier, deadline, settlements)
        except OrdoError as exc:
            return error_result(child.account, exc)
        except Exception as exc:
            return error_result(child.account, internal_error(child.account, exc))


def children_of(plan: LegPlan) -> str:
    """What a sliced leg's children are named after, with the key and their index.

    A placed order has one leg per account and its quantity is fixed by the key's request,
    so (key, account, index) names a child. The exits of one request are several legs per
    account, so theirs are named after their own leg's tag, else two positions' children
    would share tags; and after the quantity sliced, because a retry of the key re-reads
    the position and slices only what is left: its children are other orders than the
    first attempt's, and must not be found as those by tag (a position of 2.5 x the
    freeze quantity left at 1.5 x by a first attempt would be re-sliced into children 0
    and 1, whose tags the first attempt's placed children already carry: nothing would be
    sent for them). A retry that finds the position unchanged slices the same quantity
    again and finds its earlier children by their tags."""
    if plan.action == "place":
        return plan.account.name
    return f"{plan.tag}\x1f{plan.order.quantity}"


def child_plan(plan: LegPlan, index: int, quantity: int, count: int) -> LegPlan:
    """Child ``index`` of ``count`` of a sliced leg: its quantity, tag and ledger request."""
    request = {
        **plan.request,
        "quantity": quantity,
        "slice": {"index": index, "count": count, "of_quantity": plan.order.quantity},
    }
    return dataclasses.replace(
        plan,
        order=plan.order.model_copy(update={"quantity": quantity}),
        tag=slice_tag(plan.scope, plan.key, children_of(plan), index),
        request=request,
        slice=False,
    )


def _slice_result(child: LegPlan, index: int, result: AccountResult | None) -> SliceResult:
    if result is None:
        return SliceResult(
            index=index, quantity=child.order.quantity, tag=child.tag, status="not_sent"
        )
    data: dict[str, Any] = result.data if isinstance(result.data, dict) else {}
    sent = data.get("sent")
    status: SliceStatus = result.status.value
    return SliceResult(
        index=index,
        quantity=child.order.quantity,
        tag=child.tag,
        status=status,
        order_id=data.get("order_id"),
        error_code=result.error_code,
        message=result.message or str(data.get("message") or ""),
        reconciled=bool(data.get("reconciled", False)),
        sent=SentForm.model_validate(sent) if sent else None,
    )


def collate_slices(
    plan: LegPlan,
    limit: int,
    children: Sequence[LegPlan],
    results: Sequence[AccountResult | None],
    stopped: AccountResult | None,
) -> AccountResult:
    """The account's one result for its sliced leg: success when every child succeeded,
    else the first failure's error (``unknown`` when a child's outcome is open, so the
    request is not final and a retry reconciles it by tag), with every child listed."""
    slices = [
        _slice_result(c, i, r) for i, (c, r) in enumerate(zip(children, results, strict=True))
    ]
    data = SlicedLeg(
        tag=plan.tag,
        quantity=plan.order.quantity,
        freeze_quantity=limit,
        order_ids=[s.order_id for s in slices if s.status == "success" and s.order_id],
        slices=slices,
    ).model_dump(mode="json")
    account = plan.account
    if stopped is None:
        return AccountResult(
            account=account.name, broker=account.adapter_id, status=ResultStatus.SUCCESS, data=data
        )
    placed = sum(1 for s in slices if s.status == "success")
    unknown = any(s.status == "unknown" for s in slices)
    reason = stopped.message.removeprefix(f"{account.name}: ")
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.UNKNOWN if unknown else ResultStatus.ERROR,
        error_code=stopped.error_code,
        message=f"{account.name}: {placed} of {len(slices)} slices placed; {reason}",
        retryable=stopped.retryable,
        http_status=stopped.http_status,
        data=data,
    )
