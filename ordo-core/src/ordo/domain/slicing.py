"""Freeze-quantity slicing: how an order above the exchange's freeze quantity is split into
child orders, and the shape of the sliced leg's result (``SlicedLeg``). Pure, no I/O."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ordo.domain.protection import SentForm

SliceStatus = Literal["success", "error", "unknown", "not_sent"]


def slice_sizes(quantity: int, freeze_quantity: int) -> list[int]:
    """Child quantities of at most ``freeze_quantity`` each, largest first, summing to
    ``quantity``: 5 x freeze is 5 children of freeze each."""
    if quantity <= 0 or freeze_quantity <= 0:
        raise ValueError("quantity and freeze quantity must be positive")
    full, rest = divmod(quantity, freeze_quantity)
    return [freeze_quantity] * full + ([rest] if rest else [])


class SliceResult(BaseModel):
    """One child order of a sliced leg."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="Position of the child, from 0.")
    quantity: int
    tag: str = Field(description="The child's broker tag: from key, account and index.")
    status: SliceStatus = Field(
        description="`not_sent`: never sent (an earlier child failed or the kill switch "
        "was engaged)."
    )
    order_id: str | None = None
    error_code: str | None = None
    message: str = ""
    reconciled: bool = False
    """Found in the broker's book by its tag (a retry, or a lost reply)."""
    sent: SentForm | None = None


class SlicedLeg(BaseModel):
    """The ``data`` of an account's result when its order was sliced."""

    model_config = ConfigDict(frozen=True)

    sliced: Literal[True] = True
    tag: str = Field(description="The leg's own tag; each child carries its own.")
    quantity: int
    freeze_quantity: int
    order_ids: list[str] = Field(description="The acknowledged children's order ids, in order.")
    slices: list[SliceResult]
