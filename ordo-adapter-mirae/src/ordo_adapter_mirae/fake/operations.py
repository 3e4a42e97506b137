"""Routes of the fake m.Stock beyond the books, as the official Type A SDK calls them:
``POST /orders/cancelall``, ``POST /order/details`` (form ``order_no``, ``segment``),
``POST /trades`` (trade history, form ``fromdate``, ``todate``) and the JSON
``POST /margins/orders`` margin calculator. They read the book through its wire-level rows
and order entry only, so they survive a change of matching engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordo_adapter_mirae.fake.book import OrderBook
from ordo_adapter_mirae.fake.rows import PRODUCTS, TERMINAL, FakeError

if TYPE_CHECKING:
    from ordo_adapter_mirae.fake import FakeMirae

PREFIX = "/openapi/typea"
SEGMENTS = frozenset({"E", "D"})
DERIVATIVE_EXCHANGES = frozenset({"NFO", "BFO", "CDS", "MCX"})
"""Orders of segment ``D``; the others are equity (``E``)."""
MARGIN_FIELDS = (
    "exchange",
    "tradingsymbol",
    "transaction_type",
    "variety",
    "product",
    "order_type",
    "quantity",
    "price",
    "trigger_price",
)


def _ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def cancel_all(book: OrderBook) -> dict[str, Any]:
    """Cancel every working order; the reply names the last one (m.Stock gives no count)."""
    open_ids = [row["order_id"] for row in book.order_rows() if row["status"] not in TERMINAL]
    if not open_ids:
        raise FakeError("InputException", "No open orders to cancel")
    for order_id in open_ids:
        book.cancel(order_id)
    return _ok({"order_id": open_ids[-1]})


def order_details(book: OrderBook, form: dict[str, str]) -> dict[str, Any]:
    """The order's rows (its history: as booked, each fill, how it ended); an unknown
    order number, or one of the other segment, is a success carrying ``"None"``."""
    order_no, segment = form.get("order_no", ""), form.get("segment", "E")
    if not order_no:
        raise FakeError("InputException", "order_no is mandatory", 400)
    if segment not in SEGMENTS:
        raise FakeError("InputException", "segment must be E or D", 400)
    rows = book.history_rows(order_no)
    if rows and (rows[0]["exchange"] in DERIVATIVE_EXCHANGES) != (segment == "D"):
        rows = []
    return _ok(rows or "None")


def trade_history(book: OrderBook, form: dict[str, str]) -> dict[str, Any]:
    """Fills between ``fromdate`` and ``todate`` (``YYYY-MM-DD``, inclusive)."""
    try:
        start = date.fromisoformat(form.get("fromdate", ""))
        end = date.fromisoformat(form.get("todate", ""))
    except ValueError:
        raise FakeError("InputException", "fromdate and todate must read YYYY-MM-DD", 400) from None
    if start > end:
        raise FakeError("InputException", "fromdate must not be after todate", 400)
    rows = []
    for trade in book.trade_rows():
        day, _, clock = str(trade["ORDER_DATE_TIME"]).partition(" ")
        traded_on = date(int(day[6:10]), int(day[3:5]), int(day[0:2]))
        if not start <= traded_on <= end:
            continue
        rows.append(
            {
                "trade_id": trade["TRADE_NUMBER"],
                "order_id": trade["ORDER_NUMBER"],
                "exchange": trade["EXCHANGE"],
                "tradingsymbol": trade["SYMBOL"],
                "instrument_token": int(trade["SEC_ID"]),
                "product": trade["PRODUCT"],
                "average_price": trade["PRICE"],
                "quantity": trade["QUANTITY"],
                "exchange_order_id": trade["EXCH_ORDER_NUMBER"],
                "transaction_type": str(trade["BUY_SELL"]).upper(),
                "fill_timestamp": clock,
                "order_timestamp": trade["ORDER_DATE_TIME"],
                "exchange_timestamp": trade["ORDER_DATE_TIME"],
            }
        )
    return _ok(rows)


def order_margin(book: OrderBook, body: dict[str, Any]) -> dict[str, Any]:
    """What the fake's RMS would block for one order, in the Kite-like margin shape."""
    missing = [name for name in MARGIN_FIELDS if body.get(name) in (None, "")]
    if missing:
        raise FakeError("InputException", f"{missing[0]} is mandatory", 400)
    form = {name: str(body[name]) for name in MARGIN_FIELDS} | {"validity": "DAY"}
    if form["product"] not in PRODUCTS:
        raise FakeError("InputException", "Invalid product", 400)
    total = book.required_margin(form["variety"], form)
    exchange = form["exchange"]
    scrip = book.by_key[book.ticket(form["variety"], form).key]
    zero_gst = {"igst": 0, "cgst": 0, "sgst": 0, "total": 0}
    charges = {
        "transaction_tax": 0,
        "transaction_tax_type": "stt",
        "exchange_turnover_charge": 0,
        "sebi_turnover_charge": 0,
        "brokerage": 0,
        "stamp_duty": 0,
        "gst": zero_gst,
        "total": 0,
    }
    return _ok(
        {
            "type": "commodity" if exchange == "MCX" else "equity",
            "tradingsymbol": scrip.tradingsymbol,
            "exchange": exchange,
            "span": float(total) if scrip.derivative else 0,
            "exposure": 0,
            "option_premium": 0,
            "additional": 0,
            "bo": 0,
            "cash": 0 if scrip.derivative else float(total),
            "var": 0,
            "pnl": {"realised": 0, "unrealised": 0},
            "leverage": 0 if scrip.derivative else 1,
            "charges": charges,
            "total": float(total),
        }
    )


def operation_routes(fake: FakeMirae) -> list[Route]:
    """The routes above. They go first: ``/orders/cancelall`` must win over
    ``/orders/{variety}``."""
    book = fake.broker.book

    def form_route(
        path: str,
        run: Callable[[dict[str, str]], dict[str, Any]],
        category: str | None,
        write: bool,
    ) -> Route:
        async def handler(request: Request, form: dict[str, str]) -> Response:
            fake._user(request)
            return JSONResponse(run(form))

        return Route(PREFIX + path, fake._endpoint(handler, category, write), methods=["POST"])

    async def margin(request: Request) -> Response:
        # JSON, unlike every other Type A write, so it skips the form parsing of ``_serve``.
        fake.broker.calls.append((request.method, request.url.path))
        if request.headers.get("X-Mirae-Version") != "1":
            return JSONResponse(_error("VersionException", "Please provide valid api version."))
        try:
            fake._user(request)
            try:
                body = json.loads(await request.body() or b"null")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise FakeError("InputException", "Expected a JSON object", 400)
            return JSONResponse(order_margin(book, body))
        except FakeError as exc:
            return JSONResponse(_error(exc.error_type, exc.message), exc.status)

    return [
        form_route("/orders/cancelall", lambda form: cancel_all(book), "orders", True),
        form_route("/order/details", lambda form: order_details(book, form), None, False),
        form_route("/trades", lambda form: trade_history(book, form), "data", False),
        Route(PREFIX + "/margins/orders", margin, methods=["POST"]),
    ]


def _error(error_type: str, message: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "error_type": error_type, "data": None}
