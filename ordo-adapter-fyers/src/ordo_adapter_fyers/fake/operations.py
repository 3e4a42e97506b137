"""Routes of the fake beyond the books: exit positions (``DELETE /api/v3/positions``), the
multi-order margin calculator, the CO/BO order rules, and the routes of ``reports`` (history,
depth, market status) and ``POST /data/quotes`` (the official SDK's ``quotes_v2``). Wire
shapes follow the v3 reference; they read the book only through its wire-level replies and
order entry, so they survive a change of matching engine.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ordo_adapter_fyers.fake.book import BookError, OrderBook
from ordo_adapter_fyers.fake.portfolio import positions_reply
from ordo_adapter_fyers.fake.reports import (
    MARKET_STATUS,
    depth_reply,
    order_history,
    order_items,
    trade_history,
)
from ordo_adapter_fyers.fake.state import Rejected

if TYPE_CHECKING:
    from ordo_adapter_fyers.fake.app import FakeApi

MAX_MARGIN_ORDERS = 50
MAX_QUOTE_SYMBOLS = 50
OPEN_STATUSES = (4, 6)  # transit, pending: what "pending_orders_cancel" cancels


# -- exit positions --------------------------------------------------------------------------
def exit_positions(book: OrderBook, body: dict[str, Any]) -> dict[str, Any]:
    """``DELETE /positions``: square off open positions (all, by id, or by segment, side
    and product), cancelling the working orders first when ``pending_orders_cancel`` is 1."""
    ids = body.get("id")
    wanted = {ids} if isinstance(ids, str) else set(ids) if isinstance(ids, list) else None
    positions = [p for p in positions_reply(book)["netPositions"] if p["netQty"]]
    if wanted is not None:
        unknown = wanted - {p["id"] for p in positions_reply(book)["netPositions"]}
        if unknown and not body.get("pending_orders_cancel"):
            raise Rejected(400, -53, f"Invalid position id: {sorted(unknown)[0]}")
        positions = [p for p in positions if p["id"] in wanted]
    positions = [p for p in positions if _matches_filters(p, body)]
    cancelled = _cancel_pending(book, wanted) if body.get("pending_orders_cancel") == 1 else 0
    if not positions:
        if cancelled:
            return {"message": "Pending orders cancelled successfully."}
        raise Rejected(400, -352, "Looks like you have no open positions to exit")
    placed = {book.place(_counter_order(p)).order_id for p in positions}
    if any(o["status"] != 2 for o in order_items(book) if o["id"] in placed):
        return {"code": 201, "message": "Exit order placed, not filled yet"}
    return {"message": "The position is closed."}


def _matches_filters(position: dict[str, Any], body: dict[str, Any]) -> bool:
    segments, sides, products = body.get("segment"), body.get("side"), body.get("productType")
    if segments is not None and position["segment"] not in segments:
        return False
    if sides is not None and position["side"] not in sides:
        return False
    if products is None or "ALL" in products:
        return True
    return bool(position["productType"] in products)


def _cancel_pending(book: OrderBook, position_ids: set[str] | None) -> int:
    count = 0
    for item in order_items(book):
        position_id = f"{item['symbol']}-{item['productType']}"
        if item["status"] in OPEN_STATUSES and (
            position_ids is None or position_id in position_ids
        ):
            book.cancel(item["id"])
            count += 1
    return count


def _counter_order(position: dict[str, Any]) -> dict[str, Any]:
    return {
        "symbol": position["symbol"],
        "qty": abs(position["netQty"]),
        "type": 2,
        "side": -1 if position["netQty"] > 0 else 1,
        "productType": position["productType"],
        "limitPrice": 0,
        "stopPrice": 0,
        "validity": "DAY",
        "disclosedQty": 0,
        "offlineOrder": False,
    }


# -- cover and bracket orders ----------------------------------------------------------------
def check_cover_and_bracket(body: dict[str, Any]) -> None:
    """The rules the reference states for CO and BO orders, checked before the book sees
    the order: a stop loss (both), a target (BO), market or limit only for CO, DAY validity,
    no disclosed quantity and no order tag."""
    product = body.get("productType")
    if product not in ("CO", "BO"):
        return
    stop_loss, target = _number(body.get("stopLoss")), _number(body.get("takeProfit"))
    if stop_loss is None or stop_loss <= 0:
        raise Rejected(400, -311, f"Invalid stopLoss: mandatory for {product} orders")
    if stop_loss % Decimal("0.05"):
        raise Rejected(400, -50, "StopLoss not a multiple of tick size 0.0500")
    if product == "BO" and (target is None or target <= 0):
        raise Rejected(400, -325, "Invalid takeProfit: mandatory for BO orders")
    if product == "CO" and body.get("type") not in (1, 2):
        raise Rejected(400, -305, "CO orders can only be market or limit orders")
    if body.get("validity") != "DAY":
        raise Rejected(400, -326, f"Validity should be DAY for {product} orders")
    if body.get("disclosedQty") not in (None, 0):
        raise Rejected(400, -327, f"Disclosed quantity should be 0 for {product} orders")
    if body.get("orderTag"):
        raise Rejected(400, -50, f"orderTag is not allowed for {product} orders")


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


# -- margin calculator -----------------------------------------------------------------------
def multiorder_margin(book: OrderBook, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /multiorder/margin`` with ``{"data": [order, ...]}``."""
    orders = body.get("data")
    if not isinstance(orders, list) or not orders or len(orders) > MAX_MARGIN_ORDERS:
        raise Rejected(400, -50, f"data: 1 to {MAX_MARGIN_ORDERS} orders")
    total = sum((required_margin(book, order) for order in orders), Decimal(0))
    used = Decimal(str(_fund_line(book, 2)))
    return {
        "data": {
            "margin_avail": _fund_line(book, 10),
            "margin_total": float(total),
            "margin_new_order": float(total + used),
        }
    }


def required_margin(book: OrderBook, order: Any) -> Decimal:
    """What the fake's RMS blocks for ``order`` (a place-order body)."""
    if not isinstance(order, dict):
        raise Rejected(400, -50, "each order must be an object")
    for field in ("qty", "limitPrice", "stopPrice"):
        if _number(order.get(field) or 0) is None:
            raise Rejected(400, -50, "qty, limitPrice and stopPrice must be numbers")
    try:
        return book.required({"validity": "DAY", **order})
    except BookError as error:
        raise Rejected(400, error.code, error.message) from None


def _fund_line(book: OrderBook, line_id: int) -> float:
    return next(float(x["equityAmount"]) for x in book.fund_limit() if x["id"] == line_id)


# -- routes ----------------------------------------------------------------------------------
def operation_routes(api: FakeApi) -> list[Route]:
    """The routes above, served through ``api`` (auth, rate limits, faults, envelope)."""
    book = api.fake.book

    async def exit_route(request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return exit_positions(book, body)

        return await api._serve(request, run, write=True)

    async def margin_route(request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return multiorder_margin(book, body)

        return await api._serve(request, run)

    async def order_history_route(request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            return order_history(book, dict(req.query_params))

        return await api._serve(request, run)

    async def trade_history_route(request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            return trade_history(book, dict(req.query_params))

        return await api._serve(request, run)

    async def quotes_post_route(request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            names = body.get("symbols")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise Rejected(400, -50, "symbols must be a list of tickers")
            if not names or len(names) > MAX_QUOTE_SYMBOLS:
                raise Rejected(400, -50, f"symbols: 1 to {MAX_QUOTE_SYMBOLS} per request")
            return {"d": [api._quote(name) for name in names]}

        return await api._serve(request, run)

    async def depth_route(request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            symbol = req.query_params.get("symbol", "")
            if not symbol or "," in symbol:
                raise Rejected(400, -50, "symbol: exactly one per request")
            return depth_reply(api._quote(symbol))

        return await api._serve(request, run)

    async def market_status_route(request: Request) -> Response:
        async def run(_: Request, __: dict[str, Any]) -> dict[str, Any]:
            return {"marketStatus": MARKET_STATUS}

        return await api._serve(request, run)

    return [
        Route("/data/depth", depth_route, methods=["GET"]),
        Route("/data/marketStatus", market_status_route, methods=["GET"]),
        Route("/api/v3/positions", exit_route, methods=["DELETE"]),
        Route("/api/v3/multiorder/margin", margin_route, methods=["POST"]),
        Route("/api/v3/order-history", order_history_route, methods=["GET"]),
        Route("/api/v3/trade-history", trade_history_route, methods=["GET"]),
        Route("/data/quotes", quotes_post_route, methods=["POST"]),
    ]
