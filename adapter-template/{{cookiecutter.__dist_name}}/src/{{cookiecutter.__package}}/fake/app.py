"""A small working fake of the {{ cookiecutter.broker_name }} HTTP API, as an ASGI app.

Replace it with a faithful fake of your broker: same paths, headers, bodies, envelopes,
error codes and login steps as the broker's documentation, so the adapter is tested against
what the real broker does. Keep it in-memory and deterministic. The book, fills, funds,
positions and holdings come from Ordo's neutral matching engine (``ordo_testing.matching``,
in ``state.py``): the fake keeps only its broker's wire format, codes and quirks.

The toy API: ``POST /v1/session/login`` (client id + password) returns a ``request_id``;
``POST /v1/session/otp`` exchanges it and the OTP for a bearer token. Every other route
needs ``Authorization: Bearer <token>``. Errors are ``{"status": "error", "code", "message"}``
with codes ``E_AUTH``, ``E_OTP``, ``E_SESSION``, ``E_RATE`` (429 + ``Retry-After``),
``E_SCRIP``, ``E_BLOCKED``, ``E_NOORDER``, ``E_STATE``, ``E_INPUT``.
"""

from __future__ import annotations

import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from ordo.domain import OrderType, Product, Side
from ordo_testing.matching import EngineError, EngineOrder, OrderState, OrderTicket, RejectReason

from {{ cookiecutter.__package }}.fake.state import BrokerError, FakeBroker

OPEN, FILLED, CANCELLED, REJECTED = "OPEN", "FILLED", "CXL", "REJ"
STATES = {
    OrderState.OPEN: OPEN,
    OrderState.TRIGGER_PENDING: OPEN,
    OrderState.FILLED: FILLED,
    OrderState.CANCELLED: CANCELLED,
    OrderState.REJECTED: REJECTED,
}
SIDES = {"B": Side.BUY, "S": Side.SELL}
KINDS = {"LMT": OrderType.LIMIT, "MKT": OrderType.MARKET}
ENGINE_CODES: dict[RejectReason, tuple[int, str]] = {
    RejectReason.UNKNOWN_INSTRUMENT: (400, "E_SCRIP"),
    RejectReason.NOT_TRADABLE: (400, "E_BLOCKED"),
    RejectReason.UNKNOWN_ORDER: (404, "E_NOORDER"),
    RejectReason.NOT_OPEN: (400, "E_STATE"),
}
"""The toy broker's answer to each refusal of the engine; others are ``E_INPUT``."""


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", "data": data})


def _engine_error(exc: EngineError) -> BrokerError:
    status, code = ENGINE_CODES.get(exc.reason, (400, "E_INPUT"))
    return BrokerError(status, code, exc.message)


def _ticket(body: dict[str, Any]) -> OrderTicket:
    """The toy order body as an engine ticket; ``E_INPUT`` when it is not one."""
    side = SIDES.get(body.get("side", ""))
    kind = KINDS.get(body.get("kind", ""))
    qty = body.get("qty")
    if side is None or kind is None or not isinstance(qty, int) or isinstance(qty, bool):
        raise BrokerError(400, "E_INPUT", "side, kind or qty is invalid")
    try:
        price = Decimal(str(body.get("price") or "0"))
        product = Product(body.get("product", "CNC"))
    except (InvalidOperation, ValueError):
        raise BrokerError(400, "E_INPUT", "price or product is invalid") from None
    return OrderTicket(
        key=str(body.get("token", "")),
        side=side,
        quantity=qty,
        order_type=kind,
        product=product,
        price=price if kind is OrderType.LIMIT else None,
        tag=body.get("tag") or None,
    )


def _order_row(broker: FakeBroker, order: EngineOrder) -> dict[str, Any]:
    scrip = broker.scrip(order.key)
    return {
        "order_no": order.order_id,
        "token": scrip.token,
        "exch": scrip.exch,
        "sym": scrip.sym,
        "side": "B" if order.side is Side.BUY else "S",
        "qty": order.quantity,
        "filled": order.filled_quantity,
        "kind": "LMT" if order.order_type is OrderType.LIMIT else "MKT",
        "product": order.product.value,
        "price": str(order.price) if order.price is not None else None,
        "avg": str(order.average_price) if order.average_price is not None else None,
        "state": STATES[order.state],
        "reason": order.reason or None,
        "tag": order.tag,
        "ts": int(order.placed_at.timestamp()),
    }


def create_app(broker: FakeBroker) -> FastAPI:
    """The fake broker's ASGI app over ``broker``'s state."""
    app = FastAPI()

    @app.exception_handler(BrokerError)
    async def _error(request: Request, exc: BrokerError) -> JSONResponse:
        body = {"status": "error", "code": exc.code, "message": exc.message}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.middleware("http")
    async def _faults(request: Request, call_next: Any) -> Any:
        if broker.rate_limited:
            retry_after = broker.rate_limited.pop(0)
            return JSONResponse(
                {"status": "error", "code": "E_RATE", "message": "too many requests"},
                status_code=429,
                headers={"Retry-After": str(retry_after)},
            )
        return await call_next(request)

    @app.post("/v1/session/login")
    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("client_id") != broker.client_id or body.get("password") != broker.password:
            raise BrokerError(401, "E_AUTH", "invalid client id or password")
        request_id = secrets.token_hex(8)
        broker.pending[request_id] = broker.client_id
        return _ok({"request_id": request_id})

    @app.post("/v1/session/otp")
    async def otp(request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("request_id") not in broker.pending:
            raise BrokerError(401, "E_AUTH", "unknown login request")
        if body.get("otp") != broker.otp:
            raise BrokerError(401, "E_OTP", "the one-time password is wrong")
        broker.pending.pop(body["request_id"])
        token = secrets.token_urlsafe(24)
        expires_at = time.time() + broker.session_seconds
        broker.tokens[token] = expires_at
        return _ok({"access_token": token, "expires_at": int(expires_at)})

    @app.delete("/v1/session")
    async def logout(request: Request) -> JSONResponse:
        broker.check_token(request)
        token = request.headers["authorization"].removeprefix("Bearer ")
        broker.tokens.pop(token, None)
        return _ok({})

    @app.get("/v1/funds")
    async def funds(request: Request) -> JSONResponse:
        broker.check_token(request)
        funds = broker.engine.funds()
        return _ok(
            {
                "available_cash": str(funds.available),
                "utilised": str(funds.blocked + funds.used),
                "net": str(funds.opening + funds.realized),
            }
        )

    @app.get("/v1/holdings")
    async def holdings(request: Request) -> JSONResponse:
        broker.check_token(request)
        rows = []
        for lot in broker.engine.holdings.values():
            scrip = broker.scrip(lot.key)
            rows.append(
                {
                    "exch": scrip.exch,
                    "sym": scrip.sym,
                    "qty": lot.quantity,
                    "avg": str(lot.average_price),
                    "ltp": str(broker.last_price(lot.key)),
                }
            )
        return _ok(rows)

    @app.get("/v1/positions")
    async def positions(request: Request) -> JSONResponse:
        broker.check_token(request)
        rows = []
        for position in broker.engine.open_positions():
            scrip = broker.scrip(position.key)
            average = position.average_buy or position.average_sell
            rows.append(
                {
                    "exch": scrip.exch,
                    "sym": scrip.sym,
                    "product": position.product.value,
                    "buy_qty": position.bought,
                    "sell_qty": position.sold,
                    "avg": str(average),
                    "ltp": str(broker.last_price(position.key)),
                }
            )
        return _ok(rows)

    @app.get("/v1/instruments")
    async def instruments(request: Request) -> JSONResponse:
        broker.check_token(request)
        return _ok(
            [
                {
                    "token": s.token,
                    "exch": s.exch,
                    "sym": s.sym,
                    "name": s.name,
                    "lot": s.lot,
                    "tick": str(s.tick),
                    "tradable": s.tradable,
                }
                for s in broker.scrips
            ]
        )

    @app.post("/v1/quotes")
    async def quotes(request: Request) -> JSONResponse:
        broker.check_token(request)
        tokens = (await request.json()).get("tokens", [])
        return _ok([{"token": t, "ltp": str(broker.last_price(t))} for t in tokens])

    @app.post("/v1/orders")
    async def place(request: Request) -> JSONResponse:
        broker.check_token(request)
        ticket = _ticket(await request.json())
        broker.scrip(ticket.key)
        try:
            order = broker.engine.place(ticket)
        except EngineError as exc:
            raise _engine_error(exc) from None
        return _ok({"order_no": order.order_id, "state": STATES[order.state]})

    @app.get("/v1/orders")
    async def book(request: Request, tag: str | None = None) -> JSONResponse:
        broker.check_token(request)
        orders = broker.engine.orders.values()
        return _ok([_order_row(broker, o) for o in orders if tag is None or o.tag == tag])

    @app.get("/v1/orders/{order_no}")
    async def one(order_no: str, request: Request) -> JSONResponse:
        broker.check_token(request)
        try:
            return _ok(_order_row(broker, broker.engine.order(order_no)))
        except EngineError as exc:
            raise _engine_error(exc) from None

    @app.delete("/v1/orders/{order_no}")
    async def cancel(order_no: str, request: Request) -> JSONResponse:
        broker.check_token(request)
        try:
            order = broker.engine.cancel(order_no)
        except EngineError as exc:
            raise _engine_error(exc) from None
        return _ok({"order_no": order_no, "state": STATES[order.state]})

    return app
