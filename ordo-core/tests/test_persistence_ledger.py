"""The order ledger on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ordo.persistence import Database, LedgerRepository, LegState


async def test_legs_are_recorded_updated_and_found(database: Database) -> None:
    async with database.session() as s:
        ledger = LedgerRepository(s)
        before = datetime.now(UTC)
        second = await ledger.add_leg(
            request_id="req-1",
            account="mirae-desk",
            adapter="mirae",
            leg=1,
            broker_tag="O00000000000000B",
            request={"symbol": "SBIN", "price": Decimal("812.05"), "quantity": 5},
            idempotency_scope="default",
            idempotency_key="key-1",
        )
        first = await ledger.add_leg(
            request_id="req-1",
            account="fyers-main",
            adapter="fyers",
            leg=0,
            broker_tag="O00000000000000A",
            request={"symbol": "SBIN"},
        )
        assert first.id is not None
        assert second.id is not None
        assert first.state is LegState.PENDING
        assert first.created_at >= before

        updated = await ledger.update_leg(
            first.id,
            state=LegState.ACKNOWLEDGED,
            broker_order_id="25013000001",
            response={"id": "25013000001", "s": "ok"},
        )
        assert updated is not None
        assert updated.state is LegState.ACKNOWLEDGED
        assert updated.broker_order_id == "25013000001"
        assert updated.updated_at >= updated.created_at
        await ledger.update_leg(
            second.id, state=LegState.UNKNOWN, error_code="OUTCOME_UNKNOWN", message="timeout"
        )

    async with database.session() as s:
        ledger = LedgerRepository(s)
        legs = await ledger.legs_for_request("req-1")
        assert [leg.leg for leg in legs] == [0, 1]
        assert legs[1].request == {"symbol": "SBIN", "price": "812.05", "quantity": 5}
        assert legs[1].idempotency_key == "key-1"
        found = await ledger.find_by_order("fyers-main", "25013000001")
        assert found is not None
        assert found.id == first.id
        assert found.response == {"id": "25013000001", "s": "ok"}
        assert await ledger.find_by_order("mirae-desk", "25013000001") is None
        unknown = await ledger.unknown_legs()
        assert [(u.id, u.error_code, u.message) for u in unknown] == [
            (second.id, "OUTCOME_UNKNOWN", "timeout")
        ]
        assert await ledger.unknown_legs(account="fyers-main") == []
        tagged = await ledger.find_by_tag("O00000000000000B")
        assert [t.id for t in tagged] == [second.id]


async def test_update_leaves_unnamed_fields_alone(database: Database) -> None:
    async with database.session() as s:
        ledger = LedgerRepository(s)
        leg = await ledger.add_leg(
            request_id="r", account="a", adapter="mock", request={}, state=LegState.SENT
        )
        assert leg.id is not None
        await ledger.update_leg(leg.id, broker_order_id="X1")
        after = await ledger.update_leg(leg.id, message="filled")
        assert after is not None
        assert (after.state, after.broker_order_id, after.message) == (
            LegState.SENT,
            "X1",
            "filled",
        )
        assert await ledger.update_leg(10_000, state=LegState.FAILED) is None
        assert (await ledger.get(leg.id)) is not None
        assert await ledger.get(10_000) is None
