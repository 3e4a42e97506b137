"""The order ledger on SQLite and PostgreSQL: legs added and settled through the order
path's statements (``OrderStatements``), read through the off-path ones
(``persistence.ledger``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo.domain.ledger import LedgerLeg, LegChanges
from ordo.persistence import Database, LegState
from ordo.persistence.ledger import (
    leg_by_order_on,
    leg_values,
    legs_for_request_on,
    unknown_legs_on,
)


async def add(database: Database, **values: Any) -> int:
    row = leg_values(**values)
    return await database.transact(lambda s: s.add_leg(row))


async def update(database: Database, entry_id: int, **changes: Any) -> bool:
    return await database.transact(lambda s: s.set_leg(entry_id, LegChanges(**changes)))


async def legs(database: Database, request_id: str) -> list[LedgerLeg]:
    return await database.run(lambda c: legs_for_request_on(c, request_id))


async def test_legs_are_recorded_updated_and_found(database: Database) -> None:
    before = datetime.now(UTC)
    second = await add(
        database,
        request_id="req-1",
        account="mirae-desk",
        adapter="mirae",
        leg=1,
        broker_tag="O00000000000000B",
        request={"symbol": "SBIN", "price": Decimal("812.05"), "quantity": 5},
        idempotency_scope="default",
        idempotency_key="key-1",
    )
    first = await add(
        database,
        request_id="req-1",
        account="fyers-main",
        adapter="fyers",
        leg=0,
        broker_tag="O00000000000000A",
        request={"symbol": "SBIN"},
    )
    [added] = [leg for leg in await legs(database, "req-1") if leg.id == first]
    assert added.state is LegState.PENDING
    assert added.created_at >= before

    assert await update(
        database,
        first,
        state=LegState.ACKNOWLEDGED,
        broker_order_id="25013000001",
        response={"id": "25013000001", "s": "ok"},
    )
    [updated] = [leg for leg in await legs(database, "req-1") if leg.id == first]
    assert updated.state is LegState.ACKNOWLEDGED
    assert updated.broker_order_id == "25013000001"
    assert updated.updated_at >= updated.created_at
    await update(
        database, second, state=LegState.UNKNOWN, error_code="OUTCOME_UNKNOWN", message="timeout"
    )

    found_legs = await legs(database, "req-1")
    assert [leg.leg for leg in found_legs] == [0, 1]
    assert found_legs[1].request == {"symbol": "SBIN", "price": "812.05", "quantity": 5}
    assert found_legs[1].idempotency_key == "key-1"
    found = await database.run(lambda c: leg_by_order_on(c, "fyers-main", "25013000001"))
    assert found is not None
    assert found.id == first
    assert found.response == {"id": "25013000001", "s": "ok"}
    assert await database.run(lambda c: leg_by_order_on(c, "mirae-desk", "25013000001")) is None
    unknown = await database.run(unknown_legs_on)
    assert [(u.id, u.error_code, u.message) for u in unknown] == [
        (second, "OUTCOME_UNKNOWN", "timeout")
    ]
    assert [u for u in unknown if u.account == "fyers-main"] == []
    tagged = await database.transact(lambda s: s.legs_by_tags(["O00000000000000B"]))
    assert [t.id for t in tagged["O00000000000000B"]] == [second]


async def test_update_leaves_unnamed_fields_alone(database: Database) -> None:
    leg = await add(
        database, request_id="r", account="a", adapter="mock", request={}, state=LegState.SENT
    )
    await update(database, leg, broker_order_id="X1")
    assert await update(database, leg, message="filled")
    [after] = await legs(database, "r")
    assert (after.state, after.broker_order_id, after.message) == (
        LegState.SENT,
        "X1",
        "filled",
    )
    assert await update(database, 10_000, state=LegState.FAILED) is False
    assert [entry.id for entry in await legs(database, "r")] == [leg]
