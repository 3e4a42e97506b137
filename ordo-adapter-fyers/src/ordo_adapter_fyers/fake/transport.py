"""``FakeTransport``: routes an adapter's httpx client into the fake in process and turns the
fake's network-level faults (a lost reply, a refused connection) into httpx errors."""

from __future__ import annotations

import httpx

from ordo_adapter_fyers.fake.app import DROP_HEADER, create_app
from ordo_adapter_fyers.fake.state import FakeFyers


class FakeTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` over the fake app, plus the faults a network adds."""

    def __init__(self, fake: FakeFyers) -> None:
        self.fake = fake
        self._inner = httpx.ASGITransport(app=create_app(fake))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.fake.refuse_connections:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        response = await self._inner.handle_async_request(request)
        if response.headers.get(DROP_HEADER):
            await response.aclose()
            # The broker acted, but its reply never arrived: what a read timeout looks like.
            raise httpx.ReadTimeout("the reply was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
