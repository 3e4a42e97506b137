"""A faithful fake of m.Stock's Type A REST API, as an ASGI app.

It reproduces what the fact sheet describes: paths under ``/openapi/typea``, the required
``X-Mirae-Version: 1`` header, form-encoded login and order bodies, ``Authorization: token
api_key:access_token``, Type A envelopes (place replies wrapped in a list of one), HTTP-200
business errors, the login steps with SMS OTP or TOTP, an order book with status
transitions, and the published rate limits. ``FakeBroker.switches`` injects faults:
latency, lost replies after an order took effect, outright failures, forced rate limits,
static-IP refusals and refused connections.

Run it for offline rehearsal::

    python -m ordo_adapter_mirae.fake --port 8100

then point the adapter at it with ``base_url: http://127.0.0.1:8100``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ordo_adapter_mirae.fake.operations import operation_routes
from ordo_adapter_mirae.fake.order_socket import order_socket_route
from ordo_adapter_mirae.fake.rows import PRODUCTS, FakeError
from ordo_adapter_mirae.fake.state import (
    API_KEY_MESSAGE,
    IP_MESSAGE,
    FakeBroker,
    FakeUser,
    Switches,
)

PREFIX = "/openapi/typea"
FORM = "application/x-www-form-urlencoded"
Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]


DROPPED_HEADER = "X-Fake-Reply-Dropped"
"""Marks the stand-in for a lost reply. ``FakeTransport`` turns it into a read error; served
by uvicorn it is a bare 500 that closes the connection, which a client cannot tell apart
from a broker failing after the order took effect."""


def ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


def error_body(error_type: str | None, message: str) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "message": message, "data": None}
    if error_type:
        body["error_type"] = error_type
    return body


class FakeMirae:
    """The HTTP face of a ``FakeBroker``: ``app`` is the ASGI application."""

    def __init__(self, broker: FakeBroker | None = None) -> None:
        self.broker = broker or FakeBroker()
        self.app = Starlette(routes=[*self._routes(), order_socket_route(self.broker)])
        self.app.state.broker = self.broker

    @property
    def switches(self) -> Switches:
        return self.broker.switches

    def _routes(self) -> list[Route]:
        table: list[tuple[str, str, str | None, bool, Handler]] = [
            ("POST", "/connect/login", None, False, self._login),
            ("POST", "/session/token", None, False, self._session_token),
            ("POST", "/session/verifytotp", None, False, self._verify_totp),
            ("GET", "/logout", None, False, self._logout),
            ("GET", "/user/fundsummary", None, False, self._funds),
            ("GET", "/portfolio/holdings", None, False, self._holdings),
            ("GET", "/portfolio/positions", None, False, self._positions),
            ("GET", "/orders", None, False, self._orders),
            ("GET", "/tradebook", None, False, self._trades),
            ("GET", "/instruments/quote/{mode}", "quotes", False, self._quote),
            ("GET", "/instruments/scriptmaster", "data", False, self._master),
            ("POST", "/orders/{variety}", "orders", True, self._place),
            ("PUT", "/orders/regular/{order_id}", "orders", True, self._modify),
            ("DELETE", "/orders/regular/{order_id}", "orders", True, self._cancel),
        ]
        return [
            *operation_routes(self),
            *(
                Route(PREFIX + path, self._endpoint(handler, category, write), methods=[method])
                for method, path, category, write, handler in table
            ),
        ]

    def _endpoint(
        self, handler: Handler, category: str | None, write: bool
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self._serve(request, handler, category, write)

        return endpoint

    async def _serve(
        self, request: Request, handler: Handler, category: str | None, write: bool
    ) -> Response:
        broker, switches = self.broker, self.broker.switches
        broker.calls.append((request.method, request.url.path))
        if switches.fail_next > 0:
            switches.fail_next -= 1
            return PlainTextResponse(
                "<html><body>Service Unavailable</body></html>", status_code=switches.fail_status
            )
        if request.headers.get("X-Mirae-Version") != "1":
            return JSONResponse(error_body("VersionException", "Please provide valid api version."))
        form = await _form(request)
        if form is None:
            return JSONResponse(error_body("InputException", "Invalid content type"), 400)
        if form:
            broker.forms.append(form)
        limited = self._rate_limited(request, form, category)
        if limited is not None:
            return limited
        try:
            if write and switches.static_ip_mismatch:
                raise FakeError("APIKeyException", IP_MESSAGE, 403)
            if write:
                client = request.client.host if request.client else None
                broker.check_source(request.headers.get("Authorization"), client)
            response = await handler(request, form)
        except FakeError as exc:
            return JSONResponse(error_body(exc.error_type, exc.message), exc.status)
        if write and switches.drop_replies > 0:
            switches.drop_replies -= 1
            return Response(status_code=500, headers={"Connection": "close", DROPPED_HEADER: "1"})
        if switches.latency > 0:
            await asyncio.sleep(switches.latency)
        return response

    def _rate_limited(
        self, request: Request, form: dict[str, str], category: str | None
    ) -> Response | None:
        switches = self.broker.switches
        wait: float | None = None
        if switches.rate_limit_next > 0:
            switches.rate_limit_next -= 1
            wait = switches.rate_limit_retry_after
        elif category is not None and self.broker.enforce_rate_limits:
            credentials = request.headers.get("Authorization", "").partition(" ")[2]
            key = credentials.partition(":")[0] or form.get("api_key", "anonymous")
            wait = self.broker.rates.admit(key, category)
        if wait is None:
            return None
        return JSONResponse(
            error_body("GeneralException", "Too many requests. Please try after some time."),
            429,
            headers={"Retry-After": _seconds(wait)},
        )

    def _user(self, request: Request) -> FakeUser:
        return self.broker.authenticate(request.headers.get("Authorization"))

    # -- login -------------------------------------------------------------------------
    async def _login(self, request: Request, form: dict[str, str]) -> Response:
        # The docs send lower-case keys, the official SDK capitalised ones.
        username = form.get("username") or form.get("Username") or ""
        password = form.get("password") or form.get("Password") or ""
        return JSONResponse(ok(self.broker.login(username, password)))

    async def _session_token(self, request: Request, form: dict[str, str]) -> Response:
        data = self.broker.session_token(
            form.get("api_key", ""), form.get("request_token", ""), form.get("checksum", "")
        )
        return JSONResponse(ok(data))

    async def _verify_totp(self, request: Request, form: dict[str, str]) -> Response:
        data = self.broker.verify_totp(form.get("api_key", ""), form.get("totp", ""))
        return JSONResponse(ok(data))

    async def _logout(self, request: Request, form: dict[str, str]) -> Response:
        self.broker.logout(request.headers.get("Authorization"))
        return JSONResponse(ok("Success"))

    # -- reads -------------------------------------------------------------------------
    async def _funds(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        return JSONResponse(ok(self.broker.book.fund_rows()))

    async def _holdings(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        return JSONResponse(ok(self.broker.book.holdings()))

    async def _positions(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        return JSONResponse(ok(self.broker.book.positions()))

    async def _orders(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        rows = self.broker.book.order_rows()
        return JSONResponse(ok(rows or None))  # an empty book comes back as null

    async def _trades(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        rows = self.broker.book.trade_rows()
        return JSONResponse(ok(rows or "None"))  # ...and an empty trade book as "None"

    async def _quote(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        mode = request.path_params["mode"]
        if mode not in ("ltp", "ohlc"):
            raise FakeError("InputException", f"Invalid quote mode {mode}", 400)
        keys = request.query_params.getlist("i")
        if not keys:
            raise FakeError("InputException", "Instrument is mandatory", 400)
        book = self.broker.book
        return JSONResponse(ok({key: book.quote(key, mode == "ohlc") for key in keys}))

    async def _master(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        return PlainTextResponse(self.broker.master_csv, media_type="text/csv")

    # -- writes ------------------------------------------------------------------------
    async def _place(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        order_id = self.broker.book.place(request.path_params["variety"], form)
        return JSONResponse([ok({"order_id": order_id})])  # a list of one, as m.Stock does

    async def _modify(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        if form.get("product", "") not in ("", *PRODUCTS):
            # The order book reports MIS as INTRADAY; that value is no place-order product.
            raise FakeError("InputException", "Invalid product", 400)
        order_id = self.broker.book.modify(request.path_params["order_id"], form)
        return JSONResponse(ok({"order_id": order_id}))

    async def _cancel(self, request: Request, form: dict[str, str]) -> Response:
        self._user(request)
        order_id = self.broker.book.cancel(request.path_params["order_id"])
        return JSONResponse(ok({"order_id": order_id}))


async def _form(request: Request) -> dict[str, str] | None:
    """The form body (``{}`` without a body); ``None`` when a body is not form-encoded."""
    raw = await request.body()
    if not raw:
        return {}
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM:
        return None
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))


def _seconds(wait: float) -> str:
    return str(max(1, math.ceil(wait))) if wait >= 1 else f"{wait:.3f}"


class FakeTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to a ``FakeMirae`` that also plays the network's part:
    refused connections, read timeouts (honouring the client's read timeout against the
    fake's latency) and replies lost after the request took effect."""

    def __init__(self, fake: FakeMirae) -> None:
        self._fake = fake
        self._inner = httpx.ASGITransport(app=fake.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._fake.switches.refuse_connections:
            raise httpx.ConnectError("connection refused", request=request)
        timeouts = request.extensions.get("timeout", {})
        read_timeout = timeouts.get("read") if isinstance(timeouts, dict) else None
        try:
            response = await asyncio.wait_for(
                self._inner.handle_async_request(request), read_timeout
            )
        except TimeoutError:
            raise httpx.ReadTimeout("no reply within the read timeout", request=request) from None
        if DROPPED_HEADER in response.headers:
            raise httpx.ReadError("connection reset before the reply", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake on loopback for offline rehearsal."""
    import uvicorn

    parser = argparse.ArgumentParser(description="Fake m.Stock Type A API for offline rehearsal")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--username", default="DEMO")
    parser.add_argument("--password", default="demo-password")
    parser.add_argument("--api-key", default="demo-api-key@@")
    parser.add_argument("--otp", default="123456", help="the SMS OTP every login gets")
    parser.add_argument("--totp-secret", default=None, help="base32 secret: use the TOTP path")
    parser.add_argument(
        "--registered-ip",
        action="append",
        default=[],
        help="a static IP on file for the client: orders from any other address are refused "
        "(repeatable)",
    )
    args = parser.parse_args(argv)
    user = FakeUser(args.username, args.password, args.api_key, totp_secret=args.totp_secret)
    registered = {user.client_id: list(args.registered_ip)} if args.registered_ip else None
    fake = FakeMirae(FakeBroker(users=[user], fixed_otp=args.otp, registered_ips=registered))
    print(f"fake m.Stock on http://{args.host}:{args.port}  user={args.username}")
    uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning")


__all__ = ["API_KEY_MESSAGE", "FakeBroker", "FakeMirae", "FakeTransport", "FakeUser", "main"]
