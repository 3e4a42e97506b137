"""A fake of the HDFC Securities InvestRight REST API, as an ASGI app.

It reproduces the fact sheet: the five-step login (plus the hosted browser login), the
``api_key`` query parameter and raw-JWT ``Authorization`` header, the browser User-Agent
check, camelCase login replies and snake_case books, errors with HTTP 200, single orders as a
list of one, a rejection that shows only in the order book, ``/fetch-ltp`` batches of 10,
and the public security master. Switches (``FakeBroker.switches``, or ``/_fake/...`` over
HTTP) expire tokens, rate-limit, fail, slow down or lose a reply after the order took effect.

Run it for offline rehearsal::

    python -m ordo_adapter_hdfc.fake --port 8100

then point the account's ``base_url`` at ``http://127.0.0.1:8100``.
"""

from __future__ import annotations

import argparse
import asyncio
import html
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from ordo_testing.matching import EngineError
from starlette.responses import Response

from ordo_adapter_hdfc.fake.documented import (
    documented_funds,
    documented_order_trades,
    documented_position,
    documented_profile,
)
from ordo_adapter_hdfc.fake.state import FakeBroker, FakeConfig
from ordo_adapter_hdfc.fake.wire import Answer

__all__ = ["FakeBroker", "FakeConfig", "FakeTransport", "create_app", "main"]

_GATEWAY_404 = "<html><body><h1>404 Not Found</h1></body></html>"
_LOGIN_PAGE = """<!doctype html><html><head><title>InvestRight login (fake)</title></head>
<body><h1>HDFC Securities InvestRight (fake)</h1>
<form method="post" action="/oapi/v1/login/browser?api_key={api_key}">
<label>User id <input name="username"></label><br>
<label>Password <input name="password" type="password"></label><br>
<label>OTP <input name="otp"></label><br><button type="submit">Log in</button></form>
</body></html>"""


def _respond(answer: Answer, headers: dict[str, str] | None = None) -> Response:
    status, body = answer
    return JSONResponse(body, status_code=status, headers=headers)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def create_app(broker: FakeBroker | None = None) -> FastAPI:
    """The fake's ASGI app; ``app.state.broker`` holds its state and switches."""
    fake = broker or FakeBroker()
    app = FastAPI(title="InvestRight fake", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.broker = fake

    @app.middleware("http")
    async def faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith("/oapi/") and not path.endswith("/security-master"):
            wait = fake.switches.rate_limit_next
            write = request.method != "GET" and "/orders/regular" in path
            gated = fake.gate(write=write)
            if gated is not None:
                retry = {"Retry-After": f"{wait if wait is not None else 1:g}"}
                return _respond(gated, retry if gated[0] == 429 else None)
        response = await call_next(request)
        if fake.switches.delay:  # the broker acts, then answers late
            await asyncio.sleep(fake.switches.delay)
        if fake.switches.reply_lost and fake.config.stall_on_lost_reply > 0:
            fake.switches.reply_lost = False
            await asyncio.sleep(fake.config.stall_on_lost_reply)
        return response

    def q(request: Request, name: str) -> str:
        return request.query_params.get(name, "")

    def refused(request: Request) -> Answer | None:
        return fake.authenticate(
            q(request, "api_key"),
            request.headers.get("authorization", ""),
            request.headers.get("user-agent", ""),
        )

    def refused_order(request: Request) -> Answer | None:
        client = request.client.host if request.client else None
        return refused(request) or fake.source_refused(client)

    def lose_reply_if_asked(answer: Answer) -> Answer:
        if answer[0] == 200 and fake.switches.lose_next_reply:
            fake.switches.lose_next_reply = False
            fake.switches.reply_lost = True
        return answer

    # -- login ----------------------------------------------------------------------------
    @app.get("/oapi/v1/login")
    async def login(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            key = html.escape(q(request, "api_key"), quote=True)
            return HTMLResponse(_LOGIN_PAGE.format(api_key=key))
        return _respond(fake.login(q(request, "api_key")))

    @app.post("/oapi/v1/login/browser")
    async def browser_login(request: Request) -> Response:
        # The hosted page posts a urlencoded form; parsed by hand to need no multipart lib.
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        form = {name: values[0] for name, values in fields.items()}
        ok = (
            q(request, "api_key") == fake.config.api_key
            and form.get("username") == fake.config.username
            and form.get("password") == fake.config.password
            and form.get("otp") == fake.config.otp
        )
        if not ok:
            return HTMLResponse("<p>Invalid credentials</p>", status_code=401)
        return RedirectResponse(fake.redirect_location(), status_code=302)

    @app.get("/callback")
    async def callback(request: Request) -> Response:
        return PlainTextResponse(f"Paste this URL into Ordo: {request.url}")

    @app.post("/oapi/v1/login/validate")
    async def validate(request: Request) -> Response:
        body = await _json(request)
        return _respond(fake.validate(q(request, "api_key"), q(request, "token_id"), body))

    @app.get("/oapi/v1/twofa/resend")
    async def resend(request: Request) -> Response:
        return _respond(fake.resend(q(request, "api_key"), q(request, "token_id")))

    @app.post("/oapi/v1/twofa/validate")
    async def twofa(request: Request) -> Response:
        body = await _json(request)
        return _respond(fake.twofa(q(request, "api_key"), q(request, "token_id"), body))

    @app.get("/oapi/v1/authorise")
    async def authorise(request: Request) -> Response:
        return _respond(
            fake.authorise(
                q(request, "api_key"),
                q(request, "token_id"),
                q(request, "consent"),
                q(request, "request_token"),
            )
        )

    @app.post("/oapi/v1/access-token")
    async def access_token(request: Request) -> Response:
        body = await _json(request)
        return _respond(fake.access_token(q(request, "api_key"), q(request, "request_token"), body))

    # -- account data -----------------------------------------------------------------------
    @app.api_route("/oapi/v3/user/profile", methods=["GET", "POST"])
    async def profile(request: Request) -> Response:
        answer = refused(request) or fake.profile()
        if answer[0] == 200:
            rows = [documented_profile(r, fake.config.client_code) for r in answer[1]["data"]]
            answer = (200, {**answer[1], "data": rows})
        return _respond(answer)

    @app.get("/oapi/v1/user/margins")
    async def margins(request: Request) -> Response:
        data = documented_funds(fake.book.funds())
        return _respond(refused(request) or (200, {"status": "success", "data": data}))

    @app.get("/oapi/v1/portfolio/holdings")
    async def holdings(request: Request) -> Response:
        return _respond(refused(request) or (200, {"status": "success", "data": fake.holdings()}))

    @app.get("/oapi/v1/portfolio/cumulative-positions")
    async def positions(request: Request) -> Response:
        data = {"net": [documented_position(row) for row in fake.book.position_rows()]}
        return _respond(refused(request) or (200, {"status": "success", "data": data}))

    @app.get("/oapi/v1/orders")
    async def orders(request: Request) -> Response:
        answer = refused(request) or (200, {"status": "success", "data": fake.book.order_rows()})
        return _respond(answer)

    @app.get("/oapi/v1/orders/{order_id}")
    async def order(request: Request, order_id: str) -> Response:
        return _respond(refused(request) or fake.book.order_row(order_id))

    @app.get("/oapi/v1/orders/{order_id}/trades")
    async def order_trades(request: Request, order_id: str) -> Response:
        data = documented_order_trades(fake.book.trade_rows(camel=True, order_id=order_id))
        return _respond(refused(request) or (200, {"status": "success", "data": data}))

    @app.get("/oapi/v1/trades")
    async def trades(request: Request) -> Response:
        data = fake.book.trade_rows()
        return _respond(refused(request) or (200, {"status": "success", "data": data}))

    @app.put("/oapi/v1/fetch-ltp")
    async def fetch_ltp(request: Request) -> Response:
        body = await _json(request)
        return _respond(refused(request) or fake.fetch_ltp(body))

    @app.get("/oapi/v1/security-master")
    async def security_master() -> Response:
        return PlainTextResponse(
            fake.master,
            media_type="text/csv",
            headers={"Content-Disposition": "attachment; filename=ir-security-master.csv"},
        )

    # -- orders -----------------------------------------------------------------------------
    @app.post("/oapi/v1/orders/regular")
    async def place(request: Request) -> Response:
        body = await _json(request)
        return _respond(refused_order(request) or lose_reply_if_asked(fake.book.place(body)))

    @app.put("/oapi/v1/orders/regular/{order_id}")
    async def modify(request: Request, order_id: str) -> Response:
        body = await _json(request)
        refusal = refused_order(request)
        return _respond(refusal or lose_reply_if_asked(fake.book.modify(order_id, body)))

    @app.delete("/oapi/v1/orders/regular/{order_id}")
    async def cancel(request: Request, order_id: str) -> Response:
        return _respond(refused_order(request) or lose_reply_if_asked(fake.book.cancel(order_id)))

    _control_routes(app, fake)

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def gateway_404(rest: str) -> Response:
        return HTMLResponse(_GATEWAY_404, status_code=404)

    return app


def _control_routes(app: FastAPI, fake: FakeBroker) -> None:
    """``/_fake/...``: flip the switches of a fake served over a socket."""

    @app.post("/_fake/expire-sessions")
    async def expire() -> Response:
        fake.expire_sessions()
        return JSONResponse({"ok": True})

    @app.post("/_fake/rate-limit-next")
    async def rate_limit(retry_after: float = 2.0) -> Response:
        fake.switches.rate_limit_next = retry_after
        return JSONResponse({"ok": True})

    @app.post("/_fake/fail-next")
    async def fail(status: int = 503) -> Response:
        fake.switches.fail_next = status
        return JSONResponse({"ok": True})

    @app.post("/_fake/lose-next-reply")
    async def lose() -> Response:
        fake.switches.lose_next_reply = True
        return JSONResponse({"ok": True})

    @app.post("/_fake/delay")
    async def delay(seconds: float = 0.0) -> Response:
        fake.switches.delay = max(0.0, seconds)
        return JSONResponse({"ok": True})

    @app.post("/_fake/ltp")
    async def set_ltp(exchange: str, token: str, price: str) -> Response:
        fake.set_ltp(exchange, token, Decimal(price))
        return JSONResponse({"ok": True})

    @app.post("/_fake/reject-after-ack")
    async def reject_after_ack(
        order_id: str, reason: str = "RMS: rejected after acknowledgement"
    ) -> Response:
        return _after_ack(lambda: fake.reject_after_ack(order_id, reason))

    @app.post("/_fake/fill-partly")
    async def fill_partly(order_id: str, quantity: int, price: str | None = None) -> Response:
        traded_at = Decimal(price) if price is not None else None
        return _after_ack(lambda: fake.fill_partly(order_id, quantity, traded_at))

    @app.post("/_fake/expire-day")
    async def expire_day() -> Response:
        return JSONResponse({"ok": True, "expired": fake.expire_day()})


def _after_ack(action: Callable[[], None]) -> Response:
    try:
        action()
    except EngineError as refused:
        return JSONResponse({"ok": False, "message": refused.message}, status_code=409)
    return JSONResponse({"ok": True})


class FakeTransport(httpx.AsyncBaseTransport):
    """Routes an adapter's HTTP to the fake in process, and plays the faults a socket would:
    a refused connection, and a reply lost after the broker acted (a read timeout)."""

    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self._inner = httpx.ASGITransport(app=create_app(broker))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.broker.switches.refuse_connections:
            raise httpx.ConnectError("connection refused (fake)", request=request)
        response = await self._inner.handle_async_request(request)
        if self.broker.take_reply_lost():
            await response.aclose()
            raise httpx.ReadTimeout("reply lost (fake)", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake on loopback for offline rehearsal."""
    import uvicorn

    parser = argparse.ArgumentParser(description="Fake HDFC InvestRight API (offline rehearsal)")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--host", default="127.0.0.1", help="loopback only by default")
    parser.add_argument(
        "--registered-ip",
        action="append",
        default=[],
        help="a static IP on file for the client: orders from any other address are refused "
        "(repeatable)",
    )
    args = parser.parse_args(argv)
    config = FakeConfig(
        redirect_url=f"http://{args.host}:{args.port}/callback",
        orders_per_second=10,
        stall_on_lost_reply=30.0,
    )
    if args.registered_ip:
        config.registered_ips[config.client_code] = list(args.registered_ip)
    print(
        f"InvestRight fake on http://{args.host}:{args.port}  api_key={config.api_key} "
        f"api_secret={config.api_secret} username={config.username} "
        f"password={config.password} otp={config.otp}"
    )
    uvicorn.run(create_app(FakeBroker(config)), host=args.host, port=args.port)
