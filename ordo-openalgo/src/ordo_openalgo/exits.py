"""``closeposition``: square off every open position of the caller's accounts.

It runs Ordo's exit-all (``PositionExits``), as ``POST /api/v1/positions/exit-all`` does:
the exits pass the kill switch (they only reduce), open orders already closing a position
are counted (a second call never reverses it), a derivative exit above its freeze quantity
goes as child orders, market exits go protected, and the request's idempotency key (the
client's, if it sent one) covers every exit, so a retried request books nothing twice.
"""

from __future__ import annotations

import json
from typing import Any

from ordo.domain import AccountResult, ResultStatus
from ordo.orchestrator.unit_of_work import REPLAYED_HEADER, Ticket

from ordo_openalgo import bodies
from ordo_openalgo.common import Services, failure_status
from ordo_openalgo.facade import Facade
from ordo_openalgo.keys import Caller

Answer = tuple[dict[str, Any], int]

SQUARED_OFF = "All Open Positions Squared Off"


async def close_positions(
    facade: Facade, svc: Services, caller: Caller, body: bodies.Body, ticket: Ticket
) -> Answer:
    """OpenAlgo's ``status`` and ``message``, plus ``results``: one row per position exited
    (or per account whose exits could not start)."""
    accounts = svc.accounts(facade.config, caller)
    reply = await svc.exits.exit_all(accounts, ticket)
    rows: list[dict[str, Any]] = []
    unknown = False
    for raw in json.loads(reply.body).get("results", []):
        result = AccountResult.model_validate(raw)
        data = result.data if isinstance(result.data, dict) else {}
        exits = data.get("positions")
        if not isinstance(exits, list):
            # The account's exits never started: its positions could not be read, or it
            # cannot exit positions at all.
            unknown = unknown or result.status is ResultStatus.UNKNOWN
            rows.append(
                {
                    "account": result.account,
                    "status": "error",
                    "message": f"{result.error_code}: {result.message}",
                }
            )
            continue
        for exit_ in exits:
            unknown = unknown or exit_["status"] == ResultStatus.UNKNOWN.value
            rows.append(exit_row(result.account, exit_))
    closed = sum(1 for r in rows if r["status"] == "success")
    failed = len(rows) - closed
    status = "success" if not failed else "partial" if closed else "error"
    message = SQUARED_OFF if not failed else f"Squared off {closed} positions; {failed} failed"
    response: dict[str, Any] = {
        "status": status,
        "message": message,
        "results": rows,
    }
    if reply.headers.get(REPLAYED_HEADER) == "true":
        response["duplicate"] = True
        response["message"] = (
            "duplicate of a closeposition already answered (same idempotency key): "
            "no new order was placed"
        )
    if status != "error":
        return response, 200
    code = failure_status(
        reply.status_code, ResultStatus.UNKNOWN if unknown else ResultStatus.ERROR
    )
    return response, code if code >= 400 or unknown else 400


def exit_row(account: str, exit_: dict[str, Any]) -> dict[str, Any]:
    """One position's exit (an entry of Ordo's exit-all reply) in OpenAlgo's words: its
    ``orderid``, or ``orderids`` when it went as child orders above the freeze quantity."""
    ok = exit_["status"] == ResultStatus.SUCCESS.value
    row: dict[str, Any] = {
        "symbol": exit_["symbol"],
        "exchange": exit_["exchange"],
        "product": exit_["product"],
        "action": exit_["side"],
        "quantity": exit_["quantity"],
        "account": account,
        "status": "success" if ok else "error",
    }
    sliced = exit_.get("sliced")
    if isinstance(sliced, dict):
        # Children that were acknowledged are listed even when a sibling failed: they
        # reduced the position and a retry with the same key will not send them again.
        row["orderids"] = list(sliced.get("order_ids", []))
    elif exit_.get("order_id") is not None:
        row["orderid"] = exit_["order_id"]
    if exit_.get("pending_order_ids"):
        row["pending_orderids"] = list(exit_["pending_order_ids"])
    message = exit_.get("message") or ""
    if exit_["status"] == ResultStatus.UNKNOWN.value:
        message = f"outcome unknown, Ordo is reconciling it: {message}"
    if not ok:
        row["message"] = f"{exit_.get('error_code')}: {message}"
    elif message:
        row["message"] = message
    return row
