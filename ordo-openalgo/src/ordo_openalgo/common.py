"""What every facade route needs: Ordo's services, the caller's target accounts, and the
per-account outcomes folded into OpenAlgo's response shape."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from ordo.api import services
from ordo.domain import AccountResult, ResultStatus
from ordo.orchestrator.accounts import Account
from ordo.orchestrator.changes import OrderChanges
from ordo.orchestrator.exits import PositionExits
from ordo.orchestrator.fanout import Reply
from ordo.orchestrator.lookup import OrderLookup
from ordo.orchestrator.place import PlacementService
from ordo.orchestrator.reads import ReadService
from ordo.orchestrator.unit_of_work import REPLAYED_HEADER

from ordo_openalgo.config import OpenAlgoConfig
from ordo_openalgo.errors import FacadeError
from ordo_openalgo.keys import Caller


@dataclass(frozen=True)
class Services:
    """Ordo's public services, as its own routes receive them."""

    placement: PlacementService
    changes: OrderChanges
    exits: PositionExits
    reads: ReadService
    lookup: OrderLookup

    @classmethod
    async def of(cls, request: Request) -> Services:
        return cls(
            placement=await services.placement(request),
            changes=await services.order_changes(request),
            exits=await services.position_exits(request),
            reads=await services.reads(request),
            lookup=await services.order_lookup(request),
        )

    def accounts(self, config: OpenAlgoConfig, caller: Caller) -> list[Account]:
        """The caller's accounts, in config order; only paper ones in analyzer mode."""
        chosen = self.placement.accounts.select(list(caller.key.accounts))
        if not caller.analyze:
            return chosen
        paper = [a for a in chosen if a.adapter_id in config.paper_adapters]
        if not paper:
            raise FacadeError(
                "analyzer mode: this apikey has no paper account (adapters "
                f"{', '.join(config.paper_adapters)}) to send orders to",
                403,
            )
        return paper


@dataclass(frozen=True)
class Leg:
    """One account's outcome of a write, in OpenAlgo's words."""

    account: str
    ok: bool
    orderid: str | None = None
    message: str = ""
    http_status: int = 200
    duplicate: bool = False

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"account": self.account, "status": "success" if self.ok else "error"}
        if self.orderid is not None:
            row["orderid"] = self.orderid
        if self.message:
            row["message"] = self.message
        return row


def legs_of(reply: Reply) -> list[Leg]:
    """Each account's leg of an Ordo write reply (fresh or replayed)."""
    body = json.loads(reply.body)
    duplicate = reply.headers.get(REPLAYED_HEADER) == "true"
    legs = []
    for raw in body.get("results", []):
        result = AccountResult.model_validate(raw)
        ok = result.status is ResultStatus.SUCCESS
        data = result.data if isinstance(result.data, dict) else {}
        message = result.message
        if result.status is ResultStatus.UNKNOWN:
            message = f"outcome unknown, Ordo is reconciling it: {result.message}"
        legs.append(
            Leg(
                account=result.account,
                ok=ok,
                orderid=data.get("order_id") if ok else None,
                message="" if ok else f"{result.error_code}: {message}",
                http_status=200 if ok else failure_status(reply.status_code, result.status),
                duplicate=duplicate,
            )
        )
    return legs


def failure_status(collated: int, status: ResultStatus) -> int:
    """OpenAlgo's HTTP code for a failed leg of a reply Ordo answered with ``collated``."""
    if status is ResultStatus.UNKNOWN:
        return 202
    return 400 if collated == 422 else collated


def answer(legs: Sequence[Leg], *, window: float) -> tuple[dict[str, Any], int]:
    """OpenAlgo's shape for the first account, plus ``results`` per account.

    All accounts succeeded: ``success``. Some: ``partial`` (HTTP 200, so clients read the
    body; a script testing ``status == "success"`` does not mistake it for a clean fill).
    None: ``error`` with the first account's message and its HTTP code.
    """
    first = legs[0]
    ok = sum(1 for leg in legs if leg.ok)
    body: dict[str, Any] = {
        "status": "success" if ok == len(legs) else "partial" if ok else "error",
        "results": [leg.row() for leg in legs],
    }
    if first.orderid is not None:
        body["orderid"] = first.orderid
    if not ok:
        body["message"] = first.message
    elif ok < len(legs):
        body["message"] = f"{ok} of {len(legs)} accounts succeeded"
    if any(leg.duplicate for leg in legs):
        body["duplicate"] = True
        body["message"] = (
            f"duplicate of an order request already answered (same idempotency key, or the "
            f"same body within {window:g} s): no new order was placed"
        )
    return body, 200 if ok else first.http_status


def first_success(results: Sequence[AccountResult]) -> AccountResult:
    """The first account's result of a read; its error in OpenAlgo's shape otherwise."""
    first = results[0]
    if first.status is not ResultStatus.SUCCESS:
        code = first.http_status or 502
        raise FacadeError(f"{first.error_code}: {first.message}", 400 if code == 422 else code)
    return first


def per_account(results: Sequence[AccountResult], render: Any) -> list[dict[str, Any]]:
    """Every account's read, rendered, for the ``results`` list."""
    rows = []
    for result in results:
        if result.status is ResultStatus.SUCCESS:
            rows.append(
                {"account": result.account, "status": "success", "data": render(result.data)}
            )
        else:
            rows.append(
                {
                    "account": result.account,
                    "status": "error",
                    "message": f"{result.error_code}: {result.message}",
                }
            )
    return rows
