"""The orders and audit pages' pure mappings: audit filters from a query string (each bad
value named, times without a zone read on the IST clock), order books with their ledger
requests, newest first, and events and audit records as table rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from ordo.console.views import (
    DEFAULT_PAGE,
    MAX_PAYLOAD_CHARS,
    AuditFilters,
    account_orders,
    audit_row,
    event_view,
    leg_view,
    parse_audit_filters,
)
from ordo.domain import AccountResult, Order, ResultStatus
from ordo.domain.enums import Exchange, OrderStatus, OrderType, Product, Side
from ordo.domain.ledger import LedgerLeg, LegState
from ordo.events.model import EventStatus, OrderEvent

IST = timezone(timedelta(hours=5, minutes=30))


def test_good_filters_are_taken_as_given() -> None:
    filters, errors = parse_audit_filters(
        {
            "request_id": " abc-123 ",
            "account": "paper",
            "kind": "order.*",
            "since": "2026-01-30T09:15",
            "until": "2026-01-30T10:00:00Z",
            "limit": "20",
            "cursor": "41",
        }
    )
    assert errors == []
    assert filters == AuditFilters(
        request_id="abc-123",
        account="paper",
        kind="order.*",
        since=datetime(2026, 1, 30, 9, 15, tzinfo=IST),
        until=datetime(2026, 1, 30, 10, 0, tzinfo=UTC),
        limit=20,
        cursor="41",
    )
    # The next page's link keeps every filter, with times as the form shows them (IST).
    assert filters.query(cursor="7") == {
        "request_id": "abc-123",
        "account": "paper",
        "kind": "order.*",
        "since": "2026-01-30T09:15",
        "until": "2026-01-30T15:30",
        "limit": "20",
        "cursor": "7",
    }


def test_no_filters_is_the_newest_page() -> None:
    filters, errors = parse_audit_filters({"request_id": "", "since": "  "})
    assert (filters, errors) == (AuditFilters(), [])
    assert filters.limit == DEFAULT_PAGE
    assert filters.query() == {}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("request_id", "abc def", "request id may hold only letters, digits"),
        ("request_id", "x" * 129, "at most 128 characters"),
        ("account", "Paper!", "'Paper!' is not an account name"),
        ("kind", "order; drop", "'order; drop' is not an event kind"),
        ("kind", "*", "is not an event kind"),
        ("since", "yesterday", "from 'yesterday' is not a date and time"),
        ("since", "0.5", "from '0.5' is not a date and time"),
        ("until", "2026-02-30T10:00", "until '2026-02-30T10:00' is not a real date and time"),
        ("limit", "0", "page size '0' must be a whole number from 1 to 500"),
        ("limit", "ten", "page size 'ten' must be a whole number"),
        ("limit", "501", "from 1 to 500"),
        ("cursor", "-3", "this page link is damaged (cursor)"),
    ],
)
def test_each_bad_filter_gets_its_own_message_and_is_left_out(
    name: str, value: str, message: str
) -> None:
    filters, errors = parse_audit_filters({name: value, "kind": "order.*"} | {name: value})
    [error] = errors
    assert message in error
    left_out = DEFAULT_PAGE if name == "limit" else None
    assert getattr(filters, name) == left_out
    if name != "kind":
        assert filters.kind == "order.*"  # the good filters stand


def test_an_empty_time_range_is_refused() -> None:
    filters, errors = parse_audit_filters(
        {"since": "2026-01-30T10:00", "until": "2026-01-30T09:00"}
    )
    assert errors == ["the time range is empty: 'until' must be later than 'from'"]
    assert filters.until is None


def test_several_bad_filters_are_all_named() -> None:
    _, errors = parse_audit_filters({"account": "A B", "kind": "?", "limit": "x"})
    assert len(errors) == 3


def order(order_id: str, minute: int | None, status: OrderStatus = OrderStatus.OPEN) -> Order:
    return Order(
        order_id=order_id,
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=10,
        order_type=OrderType.LIMIT,
        product=Product.CNC,
        price=Decimal("700"),
        status=status,
        tag="ordo-tag" if minute is not None else None,
        placed_at=None if minute is None else datetime(2026, 1, 30, 4, minute, tzinfo=UTC),
    )


def leg(order_id: str, request_id: str, *, after_ack: bool = False) -> LedgerLeg:
    now = datetime(2026, 1, 30, 4, 0, tzinfo=UTC)
    return LedgerLeg(
        id=1,
        request_id=request_id,
        idempotency_scope=None,
        idempotency_key=None,
        leg=0,
        account="paper",
        adapter="mock",
        broker_tag="ordo-tag",
        broker_order_id=order_id,
        state=LegState.ACKNOWLEDGED,
        request={},
        response=None,
        error_code=None,
        message=None,
        created_at=now,
        updated_at=now,
        rejected_after_ack=after_ack,
    )


def test_order_books_list_newest_first_with_their_requests_and_errors() -> None:
    results = [
        AccountResult(
            account="paper",
            broker="mock",
            status=ResultStatus.SUCCESS,
            data=[order("A", 1), order("B", 5, OrderStatus.REJECTED), order("C", None)],
        ),
        AccountResult(
            account="fyers",
            broker="fyers",
            status=ResultStatus.ERROR,
            error_code="SESSION_EXPIRED",
            message="log in again",
        ),
    ]
    legs = {
        ("paper", "A"): leg("A", "req-a"),
        ("paper", "B"): leg("B", "req-b", after_ack=True),
    }
    paper, fyers = account_orders(results, legs)
    assert [r.order.order_id for r in paper.rows] == ["B", "A", "C"]
    assert [(r.request_id, r.rejected_after_ack) for r in paper.rows] == [
        ("req-b", True),
        ("req-a", False),
        (None, False),
    ]
    assert paper.rows[0].placed == "09:35:00"  # 04:05 UTC on the IST clock
    assert paper.error is None
    assert fyers.rows == []
    assert fyers.error == "SESSION_EXPIRED: log in again"


def test_an_event_row_carries_the_rejection_after_ack_mark() -> None:
    event = OrderEvent(
        id=7,
        account="paper",
        broker="mock",
        order_id="A",
        status=EventStatus.REJECTED,
        filled_quantity=0,
        message="RMS: margin shortfall",
        request_id="req-a",
        received_at=datetime(2026, 1, 30, 4, 0, 9, tzinfo=UTC),
        after_ack=True,
    )
    assert event_view(event) == {
        "id": 7,
        "received": "09:30:09",
        "account": "paper",
        "order_id": "A",
        "status": "REJECTED",
        "filled_quantity": 0,
        "average_price": "",
        "message": "RMS: margin shortfall",
        "request_id": "req-a",
        "after_ack": True,
    }


def test_audit_rows_show_ist_times_and_bounded_payloads() -> None:
    record: dict[str, Any] = {
        "id": 3,
        "ts": "2026-01-30T04:00:00.120Z",
        "kind": "order.rejected_after_ack",
        "request_id": "req-a",
        "actor": "desk",
        "account": "paper",
        "payload": {"reason": "x" * (MAX_PAYLOAD_CHARS * 2)},
    }
    row = audit_row(record)
    assert row["time"] == "2026-01-30 09:30:00"
    assert row["alert"] is True
    assert len(row["payload"]) == MAX_PAYLOAD_CHARS + 2
    assert row["payload"].endswith(" …")
    assert audit_row({**record, "kind": "order.event", "payload": {}})["payload"] == "{}"
    assert audit_row({**record, "kind": "order.event"})["alert"] is False


def test_a_leg_shows_its_times_on_the_ist_clock_with_its_events() -> None:
    described = leg("A", "req-a").describe()
    view = leg_view(described, [])
    assert view["sent"] == "2026-01-30 09:30:00"
    assert view["updated"] == "2026-01-30 09:30:00"
    assert view["events"] == []
    assert view["broker_order_id"] == "A"
