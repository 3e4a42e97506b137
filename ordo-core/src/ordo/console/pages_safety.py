"""The kill switch: its state; engage with a reason (optionally cancelling every open order,
with each cancel's result shown); release with a reason. Both go through a confirmation
step, a page of its own, so they work without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ordo.api.services import KillSwitchDep
from ordo.console.auth import CheckedForm, ConsoleSession
from ordo.console.rendering import render
from ordo.domain import AccountResult

router = APIRouter()

MAX_REASON = 500
YES = "yes"


def check_reason(form: dict[str, str]) -> tuple[str, str | None]:
    """(the reason, or a message saying why it cannot be used)."""
    reason = " ".join(form.get("reason", "").split())
    if not reason:
        return reason, "Give a reason: it is recorded in the audit trail with your name."
    if len(reason) > MAX_REASON:
        return reason, f"Keep the reason under {MAX_REASON} characters."
    return reason, None


def cancel_rows(results: list[AccountResult]) -> list[dict[str, Any]]:
    """Each account's cancels as the page lists them: order id, outcome, final status."""
    rows = []
    for result in results:
        data = result.data if isinstance(result.data, dict) else {}
        confirmed = data.get("confirmed") or {}
        orders = [
            {"order_id": oid, "ok": True, "detail": confirmed.get(oid, "cancel accepted")}
            for oid in data.get("cancelled", [])
        ]
        orders += [
            {"order_id": f["order_id"], "ok": False, "detail": f"{f['error_code']}: {f['message']}"}
            for f in data.get("failed", [])
        ]
        rows.append(
            {
                "account": result.account,
                "status": result.status.value,
                "error_code": result.error_code,
                "message": result.message,
                "orders": orders,
            }
        )
    return rows


def _page(request: Request, step: str, *, status: int = 200, **context: Any) -> Response:
    return render(
        request, "killswitch.html", status_code=status, active="killswitch", step=step, **context
    )


@router.get("/kill-switch", name="kill_switch")
async def kill_switch_page(request: Request, session: ConsoleSession) -> Response:
    return _page(request, "form")


@router.post("/kill-switch/engage")
async def engage(
    request: Request, session: ConsoleSession, form: CheckedForm, kill_switch: KillSwitchDep
) -> Response:
    reason, problem = check_reason(form)
    cancel = form.get("cancel_open_orders") == YES
    if problem is not None:
        return _page(request, "form", status=422, engage_error=problem, reason=reason)
    if form.get("confirmed") != YES:
        return _page(request, "confirm_engage", reason=reason, cancel=cancel)
    activation = await kill_switch.activate(reason, session.actor, cancel_open_orders=cancel)
    cancels = cancel_rows(activation.cancels) if activation.cancels is not None else None
    return _page(request, "engaged", cancels=cancels)


@router.post("/kill-switch/release")
async def release(
    request: Request, session: ConsoleSession, form: CheckedForm, kill_switch: KillSwitchDep
) -> Response:
    if not kill_switch.state.active:
        return _page(request, "form", status=409, release_error="The kill switch is not engaged.")
    reason, problem = check_reason(form)
    if problem is not None:
        return _page(request, "form", status=422, release_error=problem, reason=reason)
    if form.get("confirmed") != YES:
        return _page(request, "confirm_release", reason=reason)
    await kill_switch.deactivate(reason, session.actor)
    return _page(request, "released")
