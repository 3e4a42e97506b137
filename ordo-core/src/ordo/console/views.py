"""Pure mappings for the orders and audit pages: services' values in, what a template shows
out, and the audit filters parsed from a query string with a message for each bad value.
No I/O, no request: each function is tested on its own."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordo.adapters.clock import IST
from ordo.cli.display import ist_cell
from ordo.domain import AccountResult, Order, ResultStatus
from ordo.domain.ledger import LedgerLeg
from ordo.events.model import OrderEvent

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
"""What a request id looks like (the request-id middleware's own rule)."""
ACCOUNT = re.compile(r"^[a-z0-9_-]{1,40}$")
KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$")
"""An audit event kind (``order.placed``) or a prefix of kinds (``order.*``)."""
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
DEFAULT_PAGE = 50
MAX_PAYLOAD_CHARS = 2000


def ist_time(moment: datetime | None) -> str:
    """``13:05:09`` on the IST clock the exchanges keep: today's rows need no date (full
    times, with the date, are ``ist_cell``'s, as in the CLI)."""
    if moment is None:
        return ""
    return moment.astimezone(IST).strftime("%H:%M:%S")


# -- orders ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderRow:
    order: Order
    request_id: str | None
    """The API request that placed it, when Ordo did (from the ledger)."""
    rejected_after_ack: bool
    placed: str


@dataclass(frozen=True)
class AccountOrders:
    account: str
    broker: str
    rows: list[OrderRow] = field(default_factory=list)
    error: str | None = None
    """Why the order book could not be read (a session to log in, a broker down)."""


def account_orders(
    results: Sequence[AccountResult], legs: Mapping[tuple[str, str], LedgerLeg]
) -> list[AccountOrders]:
    """Each account's order book, newest first, each order with its ledger leg's request;
    an account whose book could not be read carries the error instead."""
    sections: list[AccountOrders] = []
    for result in results:
        if result.status is not ResultStatus.SUCCESS:
            error = f"{result.error_code}: {result.message}" if result.error_code else "failed"
            sections.append(AccountOrders(result.account, result.broker, error=error))
            continue
        orders: list[Order] = list(result.data or [])
        orders.sort(key=lambda o: (o.placed_at is not None, o.placed_at), reverse=True)
        rows = []
        for order in orders:
            leg = legs.get((result.account, order.order_id))
            rows.append(
                OrderRow(
                    order=order,
                    request_id=leg.request_id if leg else None,
                    rejected_after_ack=bool(leg and leg.rejected_after_ack),
                    placed=ist_time(order.placed_at),
                )
            )
        sections.append(AccountOrders(result.account, result.broker, rows))
    return sections


def event_view(event: OrderEvent) -> dict[str, Any]:
    """An order event as a row of the live table; ``static/events.js`` builds the same row
    from the stream's JSON."""
    return {
        "id": event.id,
        "received": ist_time(event.received_at),
        "account": event.account,
        "order_id": event.order_id,
        "status": event.status.value,
        "filled_quantity": event.filled_quantity,
        "average_price": "" if event.average_price is None else str(event.average_price),
        "message": event.message,
        "request_id": event.request_id,
        "after_ack": event.after_ack,
    }


def leg_view(leg: Mapping[str, Any], events: Sequence[OrderEvent]) -> dict[str, Any]:
    """A ledger leg as ``request_legs`` describes it, with its order's events and its
    times on the IST clock."""
    return {
        **leg,
        "sent": ist_cell(leg["created_at"]),
        "updated": ist_cell(leg["updated_at"]),
        "events": [event_view(e) for e in events],
    }


# -- audit -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilters:
    request_id: str | None = None
    account: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_PAGE
    cursor: str | None = None

    def query(self, *, cursor: str | None = None) -> dict[str, str]:
        """The filters as query parameters (for the next page's link)."""
        values = {
            "request_id": self.request_id,
            "account": self.account,
            "kind": self.kind,
            "since": _form_time(self.since),
            "until": _form_time(self.until),
            "limit": str(self.limit) if self.limit != DEFAULT_PAGE else None,
            "cursor": cursor,
        }
        return {k: v for k, v in values.items() if v}


def _form_time(moment: datetime | None) -> str | None:
    """A time as a ``datetime-local`` input shows it (IST wall clock)."""
    return None if moment is None else moment.astimezone(IST).strftime("%Y-%m-%dT%H:%M")


def _parse_time(name: str, raw: str, errors: list[str]) -> datetime | None:
    """ISO 8601 date and time; without a zone it is IST (the page's clock)."""
    if not _TIME.match(raw):
        errors.append(
            f"{name} {raw!r} is not a date and time: use the picker or write "
            "2026-01-30T09:15 (IST) or 2026-01-30T03:45:00Z"
        )
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        errors.append(f"{name} {raw!r} is not a real date and time")
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=IST)


def parse_audit_filters(params: Mapping[str, str]) -> tuple[AuditFilters, list[str]]:
    """The audit page's filters from its query string, and a message for each bad one
    (the bad value is left out of the filters)."""
    errors: list[str] = []

    def text(name: str) -> str | None:
        value = params.get(name, "").strip()
        return value or None

    request_id = text("request_id")
    if request_id is not None and not REQUEST_ID.match(request_id):
        errors.append(
            "request id may hold only letters, digits and . _ : - (at most 128 characters)"
        )
        request_id = None
    account = text("account")
    if account is not None and not ACCOUNT.match(account):
        errors.append(
            f"account {account[:60]!r} is not an account name: lower-case letters, "
            "digits, _ and - (at most 40)"
        )
        account = None
    kind = text("kind")
    if kind is not None and (len(kind) > 80 or not KIND.match(kind)):
        errors.append(
            f"kind {kind[:80]!r} is not an event kind: write e.g. order.placed, "
            "or order.* for every order event"
        )
        kind = None
    since_raw, until_raw = text("since"), text("until")
    since = _parse_time("from", since_raw, errors) if since_raw else None
    until = _parse_time("until", until_raw, errors) if until_raw else None
    if since is not None and until is not None and until <= since:
        errors.append("the time range is empty: 'until' must be later than 'from'")
        until = None
    limit = DEFAULT_PAGE
    limit_raw = text("limit")
    if limit_raw is not None:
        if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= 500:
            errors.append(f"page size {limit_raw[:20]!r} must be a whole number from 1 to 500")
        else:
            limit = int(limit_raw)
    cursor = text("cursor")
    if cursor is not None and (not cursor.isdigit() or len(cursor) > 18):
        errors.append("this page link is damaged (cursor); start again from the newest events")
        cursor = None
    filters = AuditFilters(request_id, account, kind, since, until, limit, cursor)
    return filters, errors


def audit_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """An audit record (``record_json``) as a table row: IST time, payload as JSON text."""
    payload = json.dumps(record.get("payload") or {}, sort_keys=True, default=str)
    if len(payload) > MAX_PAYLOAD_CHARS:
        payload = payload[:MAX_PAYLOAD_CHARS] + " …"
    return {
        "id": record["id"],
        "time": ist_cell(str(record["ts"]).replace("Z", "+00:00")),
        "kind": record["kind"],
        "request_id": record.get("request_id"),
        "account": record.get("account"),
        "actor": record.get("actor"),
        "payload": payload,
        "alert": str(record["kind"]).endswith("rejected_after_ack"),
    }
