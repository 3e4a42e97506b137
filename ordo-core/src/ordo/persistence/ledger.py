"""The order ledger's reads off the order path (by request, by order, unknown legs) and
the values of a new leg. One row per order leg, from before the broker call to its outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select

from ordo.domain.algo import AlgoTag
from ordo.domain.ledger import LedgerLeg, LegState
from ordo.persistence.tables import LedgerEntry
from ordo.persistence.types import utcnow

_TABLE: Any = LedgerEntry.__table__  # type: ignore[attr-defined]
# Built once, values bound at execution (see persistence/statements.py for why). The
# statements that add and settle legs are order-path statements (persistence/statements.py).
_FOR_REQUEST = (
    core_select(_TABLE)
    .where(_TABLE.c.request_id == bindparam("b_request"))
    .order_by(_TABLE.c.leg, _TABLE.c.id)
)
_BY_ORDER = (
    core_select(_TABLE)
    .where(
        _TABLE.c.account == bindparam("b_account"),
        _TABLE.c.broker_order_id == bindparam("b_order"),
    )
    .order_by(_TABLE.c.id.desc())
    .limit(1)
)
_IN_STATE = core_select(_TABLE).where(_TABLE.c.state == bindparam("b_state")).order_by(_TABLE.c.id)


def leg_values(
    *,
    request_id: str,
    account: str,
    adapter: str,
    request: dict[str, Any],
    leg: int = 0,
    broker_tag: str | None = None,
    idempotency_scope: str | None = None,
    idempotency_key: str | None = None,
    state: LegState = LegState.PENDING,
    algo: AlgoTag | None = None,
) -> dict[str, Any]:
    """Every column of a new leg but its id."""
    now = utcnow()
    return {
        "algo_name": None if algo is None else algo.name,
        "algo_id": None if algo is None else algo.id,
        "request_id": request_id,
        "account": account,
        "adapter": adapter,
        "request": request,
        "leg": leg,
        "broker_tag": broker_tag,
        "idempotency_scope": idempotency_scope,
        "idempotency_key": idempotency_key,
        "state": state,
        "broker_order_id": None,
        "response": None,
        "error_code": None,
        "message": None,
        "created_at": now,
        "updated_at": now,
    }


def legs_for_request_on(conn: Connection, request_id: str) -> list[LedgerLeg]:
    """Every leg of one API request, in leg order."""
    return [
        LedgerLeg(**row._mapping) for row in conn.execute(_FOR_REQUEST, {"b_request": request_id})
    ]


def leg_by_order_on(conn: Connection, account: str, broker_order_id: str) -> LedgerLeg | None:
    """The latest leg of ``account`` that the broker numbered ``broker_order_id``."""
    row = conn.execute(_BY_ORDER, {"b_account": account, "b_order": broker_order_id}).first()
    return None if row is None else LedgerLeg(**row._mapping)


def unknown_legs_on(conn: Connection) -> list[LedgerLeg]:
    """Legs whose outcome is still unknown, oldest first, for reconciliation."""
    rows = conn.execute(_IN_STATE, {"b_state": LegState.UNKNOWN.value})
    return [LedgerLeg(**row._mapping) for row in rows]
