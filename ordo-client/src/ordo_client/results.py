"""Results of requests that fan out over several accounts: one outcome per account.

A partial success is not an exception: the result says, per account, what happened. Call
``raise_for_failures()`` to turn any failed or undecided leg into an exception.
"""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ordo_client.enums import LegStatus
from ordo_client.errors import OrdoPartialFailureError
from ordo_client.models import AccountPortfolio, ConsolidatedPortfolio, PlacedOrder, SlicedOrder

T = TypeVar("T")


class AccountResult(BaseModel, Generic[T]):
    """One account's outcome. ``data`` is set on success; a failed leg's payload (for
    example the list of pre-trade rejections) is in ``details``."""

    model_config = ConfigDict(frozen=True, extra="allow")

    account: str
    broker: str
    status: LegStatus
    data: T | None = None
    error_code: str | None = None
    message: str = ""
    retryable: bool = False
    details: Any = None

    @model_validator(mode="before")
    @classmethod
    def _failure_payload_to_details(cls, value: Any) -> Any:
        # A failed leg's data is not a T (it may be a rejection list): keep it, untyped.
        if isinstance(value, dict) and value.get("status") != LegStatus.SUCCESS.value:
            value = dict(value)
            if value.get("data") is not None and value.get("details") is None:
                value["details"] = value["data"]
            value["data"] = None
        return value

    @property
    def ok(self) -> bool:
        return self.status is LegStatus.SUCCESS


class FanoutResult(BaseModel, Generic[T]):
    """The collated answer of a request over several accounts."""

    model_config = ConfigDict(frozen=True, extra="allow")

    status: str
    """``success`` (every leg), ``partial`` or ``error``."""
    request_id: str
    results: list[AccountResult[T]] = Field(default_factory=list)
    message: str = ""
    http_status: int = 200

    @property
    def succeeded(self) -> list[AccountResult[T]]:
        return [r for r in self.results if r.status is LegStatus.SUCCESS]

    @property
    def failed(self) -> list[AccountResult[T]]:
        return [r for r in self.results if r.status is LegStatus.ERROR]

    @property
    def unknown(self) -> list[AccountResult[T]]:
        """Legs the broker may have acted on without the gateway being able to confirm it.
        Do not blindly resend these: look the order up by its tag or the request id."""
        return [r for r in self.results if r.status is LegStatus.UNKNOWN]

    @property
    def ok(self) -> bool:
        """True when every leg succeeded."""
        return bool(self.results) and all(r.ok for r in self.results)

    def by_account(self) -> dict[str, AccountResult[T]]:
        return {r.account: r for r in self.results}

    def data(self) -> dict[str, T]:
        """The data of each successful leg, by account."""
        return {r.account: r.data for r in self.results if r.ok and r.data is not None}

    def raise_for_failures(self) -> Self:
        """Raise ``OrdoPartialFailureError`` if any leg failed or is undecided; else return
        ``self`` so calls chain."""
        failed, unknown = self.failed, self.unknown
        if failed or unknown:
            raise OrdoPartialFailureError(self, failed, unknown)
        return self


class OrderLeg(AccountResult[PlacedOrder]):
    """One account's outcome of ``place_order``. A leg sent as child orders (``slice=True``
    above the exchange's freeze quantity) has ``data`` ``None`` and its children in
    ``sliced_order``, whatever its status."""

    sliced_order: SlicedOrder | None = None

    @model_validator(mode="before")
    @classmethod
    def _sliced_apart(cls, value: Any) -> Any:
        # A sliced leg's data is not a PlacedOrder: it has its own typed place (a failed
        # leg's payload may already have moved to ``details``).
        if not isinstance(value, dict):
            return value
        for where in ("data", "details"):
            payload = value.get(where)
            if isinstance(payload, dict) and payload.get("sliced") is True:
                return {**value, "sliced_order": payload, "data": None}
        return value


class OrderResult(FanoutResult[PlacedOrder]):
    """The outcome of ``place_order`` per account, with the idempotency key it was sent
    with: placing again with this key can never create a second order."""

    results: list[OrderLeg] = Field(default_factory=list)  # type: ignore[assignment]
    idempotency_key: str | None = None

    def order_ids(self) -> dict[str, str]:
        """Broker order id per account, for the legs placed as one order."""
        return {r.account: r.data.order_id for r in self.succeeded if r.data is not None}

    def sliced(self) -> dict[str, SlicedOrder]:
        """The sliced legs by account (each child's result), whatever their status."""
        return {r.account: r.sliced_order for r in self.results if r.sliced_order is not None}

    def all_order_ids(self) -> dict[str, list[str]]:
        """Every broker order id per account: one, or each child of a sliced leg."""
        ids = {account: [order_id] for account, order_id in self.order_ids().items()}
        for account, legs in self.sliced().items():
            if legs.order_ids:
                ids[account] = list(legs.order_ids)
        return ids


class PortfolioResult(FanoutResult[AccountPortfolio]):
    """Each account's portfolio, and ``consolidated`` over those that answered."""

    consolidated: ConsolidatedPortfolio | None = Field(default=None, alias="data")

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)
