"""The fake Fyers HTTP API as an ASGI app (Starlette): the paths, envelopes, headers, error
codes and login steps of the fact sheet, over ``FakeFyers`` state.

One app serves every host: ``/api/v3`` (trading), ``/data`` (market data), ``/vagator/v2``
(unofficial web login) and ``/sym_details`` (public symbol master). ``/_fake/*`` flips the
fault switches during an offline rehearsal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordo_testing.matching import EngineError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ordo_adapter_fyers.fake.book import BookError
from ordo_adapter_fyers.fake.master import MASTER_FILES, master_text
from ordo_adapter_fyers.fake.operations import check_cover_and_bracket, operation_routes
from ordo_adapter_fyers.fake.order_socket import order_socket_route
from ordo_adapter_fyers.fake.portfolio import holdings_reply, positions_reply
from ordo_adapter_fyers.fake.state import FakeFyers, Rejected

DROP_HEADER = "x-fake-reply-dropped"
"""Marks a reply the fake "lost" after acting; ``FakeTransport`` turns it into a timeout."""
MAX_QUOTE_SYMBOLS = 50

Handler = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any]]]


def _error(status: int, code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"s": "error", "code": code, "message": message, **extra}, status)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise Rejected(400, -50, "Invalid JSON body") from None
    if data is None:
        return {}  # the official SDK posts a body of ``null`` on logout
    if not isinstance(data, dict):
        raise Rejected(400, -50, "Expected a JSON object")
    return data


class FakeApi:
    """Route handlers bound to one ``FakeFyers``."""

    def __init__(self, fake: FakeFyers) -> None:
        self.fake = fake

    async def _serve(
        self, request: Request, handler: Handler, *, auth: bool = True, write: bool = False
    ) -> Response:
        fake = self.fake
        try:
            # Read the whole request first: a slow broker still acts on what it received.
            body = await _json_body(request) if request.method != "GET" else {}
            if auth:
                fake.check_token(request.headers.get("authorization"))
            if write:
                fake.check_source(request.client.host if request.client else None)
            fake.admit()
            payload = await handler(request, body)
        except Rejected as exc:
            reply: Response = JSONResponse(
                {"s": "error", "code": exc.code, "message": exc.message},
                exc.status,
                headers=exc.headers,
            )
        except BookError as exc:
            extra = {"id": exc.order_id} if exc.order_id else {}
            reply = _error(400, exc.code, exc.message, **extra)
        else:
            reply = JSONResponse({"s": "ok", "code": 200, "message": "", **payload})
            if write and fake.fault.drop_next_write:
                fake.fault.drop_next_write = False
                reply = JSONResponse({}, 504, headers={DROP_HEADER: "1"})
        if fake.latency > 0:
            await asyncio.sleep(fake.latency)
        return reply

    # -- login -----------------------------------------------------------------------------
    async def generate_authcode(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.fake.app_id:
            return _error(400, -352, "Invalid App ID")
        if q.get("redirect_uri") != self.fake.redirect_uri or q.get("response_type") != "code":
            return _error(400, -50, "redirect_uri or response_type does not match the app")
        # The real page asks for the user's id, OTP and PIN; the fake approves at once.
        return RedirectResponse(self.fake.issue_auth_code(q.get("state", "")), 302)

    async def validate_authcode(self, request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return self.fake.validate_auth_code(body)

        return await self._serve(request, run, auth=False)

    async def token(self, request: Request) -> Response:
        try:
            body = await _json_body(request)
            url = self.fake.token_redirect(request.headers.get("authorization"), body)
        except Rejected as exc:
            return _error(exc.status, exc.code, exc.message)
        return JSONResponse({"s": "ok", "code": 308, "message": "", "Url": url}, 308)

    async def send_login_otp(self, request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return {"request_key": self.fake.send_login_otp(body)}

        return await self._serve(request, run, auth=False)

    async def verify_otp(self, request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return {"request_key": self.fake.verify_otp(body)}

        return await self._serve(request, run, auth=False)

    async def verify_pin(self, request: Request) -> Response:
        async def run(_: Request, body: dict[str, Any]) -> dict[str, Any]:
            return {"data": {"access_token": self.fake.verify_pin(body)}}

        return await self._serve(request, run, auth=False)

    async def logout(self, request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            self.fake.logout(self.fake.check_token(req.headers.get("authorization")))
            return {"message": "you are successfully logged out"}

        return await self._serve(request, run)

    # -- account ---------------------------------------------------------------------------
    async def profile(self, request: Request) -> Response:
        async def run(_: Request, __: dict[str, Any]) -> dict[str, Any]:
            data = {
                "name": "FAKE USER",
                "display_name": "FAKE",
                "fy_id": self.fake.fyers_id,
                "image": None,
                "email_id": "f***@example.com",
                "PAN": "AXXXXXXXXX",
                "mobile_number": "******0000",
                "totp": True,
                "pwd_to_expire": 90,
                "ddpi_enabled": False,
                "mtf_enabled": False,
            }
            return {"data": data}

        return await self._serve(request, run)

    async def funds(self, request: Request) -> Response:
        async def run(_: Request, __: dict[str, Any]) -> dict[str, Any]:
            return {"fund_limit": self.fake.book.fund_limit()}

        return await self._serve(request, run)

    async def holdings(self, request: Request) -> Response:
        async def run(_: Request, __: dict[str, Any]) -> dict[str, Any]:
            return holdings_reply(self.fake.book)

        return await self._serve(request, run)

    async def positions(self, request: Request) -> Response:
        async def run(_: Request, __: dict[str, Any]) -> dict[str, Any]:
            return positions_reply(self.fake.book)

        return await self._serve(request, run)

    async def orders(self, request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            book = self.fake.book
            wanted_id = req.query_params.get("id")
            wanted_tag = req.query_params.get("order_tag")
            items = [
                book.order_row(o)
                for o in book.orders.values()
                if (not wanted_id or o.order_id in wanted_id.split(","))
                and (not wanted_tag or wanted_tag in (o.tag, f"1:{o.tag}"))
            ]
            return {"orderBook": items}

        return await self._serve(request, run)

    async def tradebook(self, request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            book, tag = self.fake.book, req.query_params.get("order_tag")
            trades = [
                book.trade_row(t)
                for t in book.trades
                if not tag
                or tag in (book.orders[t.order_id].tag, f"1:{book.orders[t.order_id].tag}")
            ]
            return {"tradeBook": trades}

        return await self._serve(request, run)

    # -- orders ----------------------------------------------------------------------------
    async def orders_sync(self, request: Request) -> Response:
        method = request.method
        if method == "POST":
            return await self._serve(request, self._place, write=True)
        if method == "PATCH":
            return await self._serve(request, self._modify, write=True)
        return await self._serve(request, self._cancel, write=True)

    async def cancel_by_path(self, request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            return await self._cancel(req, {"id": req.path_params["order_id"]})

        return await self._serve(request, run, write=True)

    async def _place(self, _: Request, body: dict[str, Any]) -> dict[str, Any]:
        check_cover_and_bracket(body)
        order = self.fake.book.place(body)
        if self.fake.fault.no_ack_next_place:
            self.fake.fault.no_ack_next_place = False
            return {"code": 201, "message": "Request sent, acknowledgement pending"}
        message = f"Order submitted successfully. Your Order Ref. No. {order.order_id}"
        return {"code": 1101, "message": message, "id": order.order_id}

    async def _modify(self, _: Request, body: dict[str, Any]) -> dict[str, Any]:
        order = self.fake.book.modify(body)
        return {"code": 1102, "message": "Successfully modified order", "id": order.order_id}

    async def _cancel(self, _: Request, body: dict[str, Any]) -> dict[str, Any]:
        order = self.fake.book.cancel(str(body.get("id", "")))
        return {"code": 1103, "message": "Successfully cancelled order", "id": order.order_id}

    # -- market data -----------------------------------------------------------------------
    async def quotes(self, request: Request) -> Response:
        async def run(req: Request, _: dict[str, Any]) -> dict[str, Any]:
            names = [s for s in req.query_params.get("symbols", "").split(",") if s]
            if not names or len(names) > MAX_QUOTE_SYMBOLS:
                raise Rejected(400, -50, f"symbols: 1 to {MAX_QUOTE_SYMBOLS} per request")
            return {"d": [self._quote(name) for name in names]}

        return await self._serve(request, run)

    def _quote(self, name: str) -> dict[str, Any]:
        symbol = self.fake.book.symbols.get(name.upper())
        if symbol is None:
            return {"n": name, "s": "error", "v": {"code": -300, "errmsg": "invalid symbol"}}
        ltp = self.fake.book.prices[symbol.ticker]
        prev = symbol.price
        change = ltp - prev
        values = {
            "ch": float(change),
            "chp": float(change / prev * 100) if prev else 0.0,
            "lp": float(ltp),
            "spread": float(symbol.tick * 2),
            "ask": float(ltp + symbol.tick),
            "bid": float(ltp - symbol.tick),
            "open_price": float(prev),
            "high_price": float(max(ltp, prev)),
            "low_price": float(min(ltp, prev)),
            "prev_close_price": float(prev),
            "atp": float((ltp + prev) / 2),
            "volume": 123456,
            "short_name": symbol.ticker.split(":", 1)[1],
            "exchange": symbol.ticker.split(":", 1)[0],
            "description": symbol.ticker,
            "original_name": symbol.ticker,
            "symbol": symbol.ticker,
            "fyToken": symbol.fytoken,
            "tt": str(int(datetime.now(UTC).timestamp())),
            "cmd": {},
        }
        return {"n": symbol.ticker, "s": "ok", "v": values}

    async def sym_details(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in MASTER_FILES:
            return PlainTextResponse("Not Found", 404)
        media = "application/json" if name.endswith(".json") else "text/csv"
        return Response(master_text(name), media_type=media)

    async def callback(self, request: Request) -> Response:
        """Stands in for the app's redirect URI during a rehearsal: shows what to paste."""
        return PlainTextResponse(
            "Fake Fyers login done. Paste this page's full URL as the login answer:\n"
            f"{request.url}\n"
        )

    # -- rehearsal controls ----------------------------------------------------------------
    async def control(self, request: Request) -> Response:
        action = request.path_params["action"]
        body = await request.json() if await request.body() else {}
        fake = self.fake
        actions: dict[str, Callable[[], object]] = {
            "expire-tokens": fake.expire_tokens,
            "rate-limit-next": lambda: fake.rate_limit_next(float(body.get("retry_after", 2.0))),
            "fail-next": lambda: fake.fail_next(int(body.get("status", 500))),
            "drop-next-reply": fake.drop_next_reply,
            "no-ack-next-place": fake.no_ack_next_place,
            "latency": lambda: setattr(fake, "latency", float(body.get("seconds", 0.0))),
            "price": lambda: fake.set_price(str(body["symbol"]), Decimal(str(body["price"]))),
            "reject-after-ack": lambda: fake.reject_after_ack(
                str(body["id"]), str(body.get("message", "RMS:Rejected after acknowledgement"))
            ),
            "fill-partly": lambda: fake.fill_partly(
                str(body["id"]),
                int(body["qty"]),
                Decimal(str(body["price"])) if "price" in body else None,
            ),
            "expire-day": fake.expire_day,
            "registered-ips": lambda: fake.registered_ips.update(
                {str(body.get("client_id", fake.fyers_id)): [str(ip) for ip in body["ips"]]}
            ),
        }
        if action not in actions:
            return PlainTextResponse(f"unknown switch {action}", 404)
        try:
            actions[action]()
        except EngineError as refused:
            return PlainTextResponse(refused.message, 409)
        return JSONResponse({"ok": True, "switch": action})


def create_app(fake: FakeFyers | None = None) -> Starlette:
    """The ASGI app of the fake Fyers API (a fresh ``FakeFyers`` unless one is given)."""
    api = FakeApi(fake or FakeFyers())
    routes: list[BaseRoute] = [
        Route("/api/v3/generate-authcode", api.generate_authcode, methods=["GET"]),
        Route("/api/v3/validate-authcode", api.validate_authcode, methods=["POST"]),
        Route("/api/v3/token", api.token, methods=["POST"]),
        Route("/api/v3/logout", api.logout, methods=["POST"]),
        Route("/api/v3/profile", api.profile, methods=["GET"]),
        Route("/api/v3/funds", api.funds, methods=["GET"]),
        Route("/api/v3/holdings", api.holdings, methods=["GET"]),
        Route("/api/v3/positions", api.positions, methods=["GET"]),
        Route("/api/v3/orders", api.orders, methods=["GET"]),
        Route("/api/v3/tradebook", api.tradebook, methods=["GET"]),
        Route("/api/v3/orders/sync", api.orders_sync, methods=["POST", "PATCH", "DELETE"]),
        Route("/api/v3/orders/{order_id}/sync", api.cancel_by_path, methods=["DELETE"]),
        Route("/data/quotes", api.quotes, methods=["GET"]),
        Route("/vagator/v2/send_login_otp", api.send_login_otp, methods=["POST"]),
        Route("/vagator/v2/verify_otp", api.verify_otp, methods=["POST"]),
        Route("/vagator/v2/verify_pin", api.verify_pin, methods=["POST"]),
        Route("/sym_details/{name}", api.sym_details, methods=["GET"]),
        Route("/callback", api.callback, methods=["GET"]),
        Route("/_fake/{action}", api.control, methods=["POST"]),
        *operation_routes(api),
        order_socket_route(api.fake),
    ]
    app = Starlette(routes=routes)
    app.state.fake = api.fake
    return app
