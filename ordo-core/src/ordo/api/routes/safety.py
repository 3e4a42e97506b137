"""The kill switch and the order ledger by request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ordo.api import envelope
from ordo.api.deps import Principal, RequestId
from ordo.api.event_deps import Events
from ordo.api.services import KillSwitchDep, LedgerDep
from ordo.events.log import EventLog
from ordo.events.model import LegOrderState
from ordo.orchestrator.errors import OrdoError
from ordo.orchestrator.ledger import Ledger
from ordo.safety.killswitch import KillSwitchState

router = APIRouter(tags=["safety"])


class KillSwitchOn(BaseModel):
    # Strict: "cancel_open_orders": "yes" or 1 must be refused, not guessed at.
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = Field(min_length=1, max_length=500, examples=["strategy misbehaving"])
    cancel_open_orders: bool = Field(
        default=False, description="Also cancel every open order on every account."
    )


class KillSwitchOff(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = Field(min_length=1, max_length=500, examples=["fixed"])


def describe(state: KillSwitchState) -> dict[str, Any]:
    return {
        "active": state.active,
        "reason": state.reason,
        "actor": state.actor,
        "changed_at": state.changed_at.isoformat() if state.changed_at else None,
    }


@router.get(
    "/kill-switch",
    operation_id="get_kill_switch",
    summary="Whether new and modified orders are refused",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def get_kill_switch(
    kill_switch: KillSwitchDep, request_id: RequestId, _: Principal
) -> JSONResponse:
    return envelope.success(request_id, describe(kill_switch.state))


@router.post(
    "/kill-switch",
    operation_id="activate_kill_switch",
    summary="Refuse every new and modified order at once; optionally cancel open orders",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def activate_kill_switch(
    kill_switch: KillSwitchDep, request_id: RequestId, principal: Principal, body: KillSwitchOn
) -> JSONResponse:
    activation = await kill_switch.activate(
        body.reason, principal, cancel_open_orders=body.cancel_open_orders
    )
    data = describe(activation.state)
    if activation.cancels is not None:
        data["cancelled"] = [r.model_dump(mode="json") for r in activation.cancels]
    return envelope.success(request_id, data)


@router.delete(
    "/kill-switch",
    operation_id="deactivate_kill_switch",
    summary="Accept orders again",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def deactivate_kill_switch(
    kill_switch: KillSwitchDep,
    request_id: RequestId,
    principal: Principal,
    body: KillSwitchOff = Body(...),
) -> JSONResponse:
    state = await kill_switch.deactivate(body.reason, principal)
    return envelope.success(request_id, describe(state))


@router.get(
    "/requests/{request_id}",
    operation_id="get_request",
    summary="Every order leg Ordo sent for one API request, from the ledger",
    response_model=envelope.Envelope[dict[str, Any]],
)
async def get_request(
    ledger: LedgerDep, events: Events, current: RequestId, _: Principal, request_id: str
) -> JSONResponse:
    return envelope.success(current, await request_legs(ledger, events, request_id))


async def request_legs(ledger: Ledger, events: EventLog, request_id: str) -> dict[str, Any]:
    """One API request's legs from the ledger, each with its order's latest state from the
    order events (the API's and the console's view); 404 ``REQUEST_NOT_FOUND`` without."""
    legs = await ledger.legs_for_request(request_id)
    if not legs:
        raise OrdoError(
            "REQUEST_NOT_FOUND",
            f"no order legs were recorded for request {request_id!r}",
            http_status=404,
        )
    states = await events.leg_states(request_id)
    return {
        "request_id": request_id,
        "legs": [{**e.describe(), **LegOrderState.describe(states.get(e.id))} for e in legs],
    }
