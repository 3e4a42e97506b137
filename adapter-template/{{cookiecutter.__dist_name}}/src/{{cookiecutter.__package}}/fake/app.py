"""A small working fake of the {{ cookiecutter.broker_name }} HTTP API, as an ASGI app.

Replace it with a faithful fake of your broker: same paths, headers, bodies, envelopes,
error codes and login steps as the broker's documentation, so the adapter is tested against
what the real broker does. Keep it in-memory and deterministic.

The toy API: ``POST /v1/session/login`` (client id + password) returns a ``request_id``;
``POST /v1/session/otp`` exchanges it and the OTP for a bearer token. Every other route
needs ``Authorization: Bearer <token>``. Errors are ``{"status": "error", "code", "message"}``
with codes ``E_AUTH``, ``E_OTP``, ``E_SESSION``, ``E_RATE`` (429 + ``Retry-After``),
``E_SCRIP``, ``E_BLOCKED``, ``E_NOORDER``, ``E_STATE``, ``E_INPUT``.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

OPEN, FILLED, CANCELLED, REJECTED = "OPEN", "FILLED", "CXL", "REJ"


@dataclass
class Scrip:
    token: str
    exch: str
    sym: str
    name: str
    ltp: Decimal
    lot: int = 1
    tick: Decimal = Decimal("0.05")
    tradable: bool = True


def default_scrips() -> list[Scrip]:
    return [
        Scrip("1001", "NSE", "TOYCO", "Toy Company", Decimal("100.00")),
        Scrip("1002", "NSE", "GADGET", "Gadget Works", Decimal("250.50")),
        Scrip("1003", "NSE", "FROZEN", "Frozen Industries", Decimal("75.00"), tradable=False),
    ]


class BrokerError(Exception):
    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


@dataclass
class FakeBroker:
    """The fake's state; tests flip its fault switches directly."""

    client_id: str = "TOY001"
    password: str = "toy-password"
    otp: str = "246810"
    session_seconds: int = 6 * 3600
    scrips: list[Scrip] = field(default_factory=default_scrips)
    cash: Decimal = Decimal("100000.00")
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    rate_limited: list[float] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(240_000_001))

    # -- fault switches -------------------------------------------------------------
    def expire_sessions(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def rate_limit_next(self, retry_after: float) -> None:
        self.rate_limited.append(retry_after)

    # -- helpers --------------------------------------------------------------------
    def scrip(self, token: str) -> Scrip:
        for s in self.scrips:
            if s.token == token:
                return s
        raise BrokerError(400, "E_SCRIP", f"unknown scrip token {token}")

    def check_token(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        if self.tokens.get(token, 0.0) <= time.time():
            raise BrokerError(401, "E_SESSION", "session invalid or expired")

    def blocked(self) -> Decimal:
        """Cash held back by open BUY orders."""
        return sum(
            (
                Decimal(o["price"]) * o["qty"]
                for o in self.orders.values()
                if o["state"] == OPEN and o["side"] == "B"
            ),
            Decimal(0),
        )


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", "data": data})


def _order_json(broker: FakeBroker, body: dict[str, Any]) -> dict[str, Any]:
    scrip = broker.scrip(str(body.get("token", "")))
    if not scrip.tradable:
        raise BrokerError(400, "E_BLOCKED", f"{scrip.sym} is not open for trading")
    side, kind, qty = body.get("side"), body.get("kind"), body.get("qty")
    if side not in ("B", "S") or kind not in ("LMT", "MKT") or not isinstance(qty, int):
        raise BrokerError(400, "E_INPUT", "side, kind or qty is invalid")
    price = Decimal(str(body.get("price") or "0"))
    fills = (
        kind == "MKT"
        or (side == "B" and price >= scrip.ltp)
        or (side == "S" and price <= scrip.ltp)
    )
    return {
        "order_no": str(next(broker._ids)),
        "token": scrip.token,
        "exch": scrip.exch,
        "sym": scrip.sym,
        "side": side,
        "qty": qty,
        "filled": qty if fills else 0,
        "kind": kind,
        "product": body.get("product", "CNC"),
        "price": str(price) if kind == "LMT" else None,
        "avg": str(scrip.ltp) if fills else None,
        "state": FILLED if fills else OPEN,
        "tag": body.get("tag") or None,
        "ts": int(time.time()),
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
        used = broker.blocked()
        net = broker.cash
        return _ok({"available_cash": str(net - used), "utilised": str(used), "net": str(net)})

    @app.get("/v1/holdings")
    async def holdings(request: Request) -> JSONResponse:
        broker.check_token(request)
        return _ok([{"exch": "NSE", "sym": "TOYCO", "qty": 10, "avg": "90.00", "ltp": "100.00"}])

    @app.get("/v1/positions")
    async def positions(request: Request) -> JSONResponse:
        broker.check_token(request)
        rows: dict[str, dict[str, Any]] = {}
        for o in broker.orders.values():
            if not o["filled"]:
                continue
            row = rows.setdefault(
                o["token"],
                {
                    "exch": o["exch"],
                    "sym": o["sym"],
                    "product": o["product"],
                    "buy_qty": 0,
                    "sell_qty": 0,
                    "avg": o["avg"],
                    "ltp": str(broker.scrip(o["token"]).ltp),
                },
            )
            row["buy_qty" if o["side"] == "B" else "sell_qty"] += o["filled"]
        return _ok(list(rows.values()))

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
        return _ok([{"token": t, "ltp": str(broker.scrip(t).ltp)} for t in tokens])

    @app.post("/v1/orders")
    async def place(request: Request) -> JSONResponse:
        broker.check_token(request)
        order = _order_json(broker, await request.json())
        broker.orders[order["order_no"]] = order
        return _ok({"order_no": order["order_no"], "state": order["state"]})

    @app.get("/v1/orders")
    async def book(request: Request, tag: str | None = None) -> JSONResponse:
        broker.check_token(request)
        rows = [o for o in broker.orders.values() if tag is None or o["tag"] == tag]
        return _ok(rows)

    @app.get("/v1/orders/{order_no}")
    async def one(order_no: str, request: Request) -> JSONResponse:
        broker.check_token(request)
        if order_no not in broker.orders:
            raise BrokerError(404, "E_NOORDER", f"no order {order_no}")
        return _ok(broker.orders[order_no])

    @app.delete("/v1/orders/{order_no}")
    async def cancel(order_no: str, request: Request) -> JSONResponse:
        broker.check_token(request)
        order = broker.orders.get(order_no)
        if order is None:
            raise BrokerError(404, "E_NOORDER", f"no order {order_no}")
        if order["state"] != OPEN:
            raise BrokerError(400, "E_STATE", f"order {order_no} is {order['state']}")
        order["state"] = CANCELLED
        return _ok({"order_no": order_no, "state": CANCELLED})

    return app
