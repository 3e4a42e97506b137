"""The order event log on both backends (SQLite file and PostgreSQL, same assertions):
normalisation, dedupe on (order id, status, filled quantity), increasing ids, the ledger
leg linked to its events, the ``order_event`` hook, a loud rejection after the
acknowledgement, and an unknown leg settled by an event."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo.audit.events import AuditEmitter, AuditEvent
from ordo.domain import Order
from ordo.domain.enums import Exchange, OrderStatus, OrderType, Product, Side
from ordo.domain.ledger import LegChanges, LegState, Settlement
from ordo.events.log import EventLog
from ordo.events.model import EventStatus, OrderEvent, OrderUpdate, update_from_order
from ordo.hookspecs import hookimpl
from ordo.persistence import Database
from ordo.persistence.ledger import leg_values, legs_for_request_on
from ordo.persistence.statements import OrderStatements
from ordo.plugins import create_plugins


class Recorder:
    def __init__(self) -> None:
        self.events: list[OrderEvent] = []
        self.audit: list[AuditEvent] = []

    @hookimpl
    async def order_event(self, event: OrderEvent) -> None:
        self.events.append(event)

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.audit.append(event)


def book_order(status: OrderStatus, filled: int = 0, message: str = "") -> Order:
    return Order(
        order_id="B1",
        exchange=Exchange.NSE,
        symbol="INFY",
        side=Side.BUY,
        quantity=10,
        filled_quantity=filled,
        order_type=OrderType.LIMIT,
        product=Product.CNC,
        price=Decimal("1500"),
        average_price=Decimal("1499.5") if filled else None,
        status=status,
        status_message=message,
        tag="T1",
        updated_at=datetime(2025, 1, 30, 4, 0, tzinfo=UTC),
    )


def make_log(db: Database) -> tuple[EventLog, Recorder]:
    recorder = Recorder()
    plugins = create_plugins(load_entrypoints=False, extra_plugins=[recorder])
    log = EventLog(db, AuditEmitter(plugins.hook), plugins.hook, webhooks=lambda _: ("desk",))
    return log, recorder


async def add_leg(db: Database, tag: str, state: LegState, order_id: str | None) -> int:
    def work(s: OrderStatements) -> int:
        values = leg_values(
            request_id="rq-1", account="paper", adapter="mock", request={}, broker_tag=tag
        )
        entry = s.add_leg(values)
        Settlement(entry, LegChanges(state=state, broker_order_id=order_id)).apply(s)
        return entry

    return await db.transact(work)


def test_pending_reads_open_and_a_partial_fill_on_an_open_order_is_partial() -> None:
    assert update_from_order("a", "mock", book_order(OrderStatus.PENDING)).status is (
        EventStatus.OPEN
    )
    partial = update_from_order("a", "mock", book_order(OrderStatus.OPEN, filled=4))
    assert partial.status is EventStatus.PARTIALLY_FILLED
    assert partial.key == ("a", "B1", "PARTIALLY_FILLED", 4)
    assert partial.average_price == Decimal("1499.5")


async def test_events_are_deduplicated_ordered_and_linked_to_their_leg(
    database: Database,
) -> None:
    leg_id = await add_leg(database, "T1", LegState.ACKNOWLEDGED, "B1")
    log, recorder = make_log(database)
    await log.start()
    assert log.last_id == 0
    updates = [
        book_order(OrderStatus.OPEN),
        book_order(OrderStatus.OPEN),
        book_order(OrderStatus.PARTIALLY_FILLED, filled=4),
        book_order(OrderStatus.PARTIALLY_FILLED, filled=4),
        book_order(OrderStatus.FILLED, filled=10),
    ]
    stored = [await log.record(update_from_order("paper", "mock", o)) for o in updates]
    ids = [e.id for e in stored if e is not None]
    assert len(ids) == 3
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    assert stored[1] is None
    assert stored[3] is None

    # A second log (a restart) forgets its in-memory cache; the database still dedupes.
    again, _ = make_log(database)
    await again.start()
    assert again.last_id == ids[-1]
    assert await again.record(update_from_order("paper", "mock", updates[4])) is None

    history = await log.for_order("paper", "B1")
    assert [(e.status, e.filled_quantity) for e in history] == [
        (EventStatus.OPEN, 0),
        (EventStatus.PARTIALLY_FILLED, 4),
        (EventStatus.FILLED, 10),
    ]
    assert all(e.ledger_entry_id == leg_id and e.request_id == "rq-1" for e in history)
    assert history[1].average_price == Decimal("1499.5")
    assert [e.id for e in recorder.events] == ids
    assert [e.id for e in await log.after(ids[0])] == ids[1:]
    assert [e.id for e in await log.after(0, statuses=["FILLED"])] == [ids[2]]
    assert await log.after(0, accounts=["other"]) == []

    states = await log.leg_states("rq-1")
    assert states[leg_id].order_status == "FILLED"
    assert states[leg_id].last_event_id == ids[-1]
    assert await log.followed("paper") == []
    assert await log.following("paper") is False


async def test_a_rejection_after_the_ack_is_loud_and_marked_on_the_leg(
    database: Database,
) -> None:
    leg_id = await add_leg(database, "T1", LegState.ACKNOWLEDGED, "B1")
    log, recorder = make_log(database)
    await log.start()
    assert await log.following("paper") is True
    followed = await log.followed("paper")
    assert [(f.order_id, f.leg_state) for f in followed] == [("B1", LegState.ACKNOWLEDGED)]
    rejected = book_order(OrderStatus.REJECTED, message="RMS: margin shortfall")
    event = await log.record(update_from_order("paper", "mock", rejected))
    assert event is not None
    assert event.after_ack
    assert event.message == "RMS: margin shortfall"
    loud = [a for a in recorder.audit if a.kind == "order.rejected_after_ack"]
    assert len(loud) == 1
    assert loud[0].payload["reason"] == "RMS: margin shortfall"
    assert loud[0].payload["order_id"] == "B1"
    states = await log.leg_states("rq-1")
    assert states[leg_id].rejected_after_ack is True
    assert states[leg_id].order_status == "REJECTED"


async def test_an_unknown_leg_is_settled_by_an_event_for_its_tag(database: Database) -> None:
    leg_id = await add_leg(database, "T1", LegState.UNKNOWN, None)
    log, recorder = make_log(database)
    await log.start()
    assert [f.tag for f in await log.followed("paper")] == ["T1"]
    await log.record(update_from_order("paper", "mock", book_order(OrderStatus.OPEN)))
    legs = await database.run(lambda c: legs_for_request_on(c, "rq-1"))
    assert [(leg.id, leg.state, leg.broker_order_id) for leg in legs] == [
        (leg_id, LegState.ACKNOWLEDGED, "B1")
    ]
    assert any(
        a.kind == "order.reconciled" and a.payload["source"] == "order_event"
        for a in recorder.audit
    )


async def test_an_order_ordo_did_not_place_is_an_event_without_a_leg(database: Database) -> None:
    log, _ = make_log(database)
    await log.start()
    outside: dict[str, Any] = {"tag": None}
    order = book_order(OrderStatus.OPEN).model_copy(update=outside)
    event = await log.record(update_from_order("paper", "mock", order))
    assert event is not None
    assert event.ledger_entry_id is None
    assert event.request_id is None
    assert not event.after_ack


async def test_wait_after_wakes_on_a_new_event(database: Database) -> None:
    log, _ = make_log(database)
    await log.start()
    assert await log.wait_after(0, seconds=0.01) is False
    await log.record(
        OrderUpdate(account="paper", broker="mock", order_id="X", status=EventStatus.OPEN)
    )
    assert await log.wait_after(0, seconds=0.01) is True
