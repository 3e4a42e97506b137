"""Broker replies that are not the documented shape, and a transport that serves them.

A broker behind a load balancer answers with an HTML error page, a reply cut off mid-way,
an empty body with HTTP 200, or a status word nobody documented. None of these may crash an
adapter or count as a success: a read becomes ``BrokerUnavailable`` (nothing took effect),
an order write ``OutcomeUnknown`` (the broker may have acted, so the core reconciles by tag).

Each adapter's suite drives its own operations through ``ReplyOverride`` with every entry of
``MALFORMED_REPLIES`` plus the unknown-status bodies of its own envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

import httpx
import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.errors import BrokerError, BrokerUnavailable, OutcomeUnknown
from ordo.domain import OrderRequest, OrderType, Side, SymbolRef
from ordo.safety.tags import order_tag

AdapterT = TypeVar("AdapterT", bound=BrokerAdapter)


@dataclass(frozen=True)
class MalformedReply:
    """An HTTP reply to serve instead of the broker's."""

    name: str
    status: int
    body: bytes
    content_type: str = "application/json"

    def response(self, request: httpx.Request) -> httpx.Response:
        headers = {"content-type": self.content_type} if self.content_type else {}
        return httpx.Response(self.status, content=self.body, headers=headers, request=request)


HTML_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)

MALFORMED_REPLIES: tuple[MalformedReply, ...] = (
    MalformedReply("html_page_200", 200, HTML_ERROR_PAGE, "text/html"),
    MalformedReply("html_page_502", 502, HTML_ERROR_PAGE, "text/html"),
    MalformedReply("truncated_json", 200, b'{"status": "success", "data": {"order'),
    MalformedReply("empty_body_200", 200, b""),
    MalformedReply("json_null", 200, b"null"),
    MalformedReply("json_list", 200, b"[1, 2, 3]"),
    MalformedReply("json_string", 200, b'"ok"'),
    MalformedReply("not_utf8", 200, b"\xff\xfe\x00garbage"),
)
"""Malformed replies that are malformed for every broker."""


Matcher = Callable[[httpx.Request], bool]


class ReplyOverride(httpx.AsyncBaseTransport):
    """Sends every request to ``inner``; for the requests ``arm`` selected, the broker's
    real reply is dropped and ``reply`` served instead. The request still reaches the
    broker, as it does when a proxy mangles the answer, so a write has taken effect."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self._armed: tuple[Matcher, MalformedReply] | None = None
        self.served = 0

    def arm(self, matches: Matcher, reply: MalformedReply) -> None:
        self._armed = (matches, reply)

    def disarm(self) -> None:
        self._armed = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self._armed is None or not self._armed[0](request):
            return response
        await response.aread()
        await response.aclose()
        self.served += 1
        return self._armed[1].response(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def request_to(method: str, path_suffix: str) -> Matcher:
    """Select requests by method and the end of their URL path."""

    def matches(request: httpx.Request) -> bool:
        return request.method == method and request.url.path.endswith(path_suffix)

    return matches


@dataclass(frozen=True)
class BrokerCall(Generic[AdapterT]):
    """One adapter operation, the request of it that gets the malformed reply, and the
    error class that reply must become."""

    name: str
    method: str
    path_suffix: str
    call: Callable[[AdapterT], Awaitable[object]]
    expected: type[BrokerError]


async def check_classified(
    adapter: AdapterT,
    override: ReplyOverride,
    operation: BrokerCall[AdapterT],
    reply: MalformedReply,
) -> None:
    """Serve ``reply`` to ``operation``'s request and assert the adapter raised exactly the
    expected class: no crash, no success, no other error."""
    override.arm(request_to(operation.method, operation.path_suffix), reply)
    with pytest.raises(BrokerError) as caught:
        await operation.call(adapter)
    assert override.served >= 1, (
        f"{operation.name} never sent {operation.method} *{operation.path_suffix}"
    )
    assert isinstance(caught.value, operation.expected), (
        f"{operation.name} on {reply.name}: {type(caught.value).__name__}: {caught.value}"
    )


Route = tuple[str, str]
"""An HTTP method and the end of a URL path."""


@dataclass(frozen=True)
class BrokerRoutes:
    """Where an adapter's common operations go, for ``standard_calls``."""

    funds: Route
    positions: Route
    orders: Route
    trades: Route
    place: Route
    cancel: Route
    """The cancel route of order ``CANCELLED_ORDER_ID``."""


CANCELLED_ORDER_ID = "808080"
BAD_REPLY_TAG = order_tag("bad-replies", "key", "0")


def standard_calls(
    routes: BrokerRoutes, equity: SymbolRef, price: Decimal
) -> tuple[BrokerCall[BrokerAdapter], ...]:
    """The operations every adapter has, with what a malformed reply must make of them:
    reads ``BrokerUnavailable``, order writes ``OutcomeUnknown``."""
    order = OrderRequest(
        exchange=equity.exchange,
        symbol=equity.symbol,
        side=Side.BUY,
        quantity=1,
        order_type=OrderType.LIMIT,
        price=price,
    )
    read, write = BrokerUnavailable, OutcomeUnknown
    return (
        BrokerCall("get_funds", *routes.funds, lambda a: a.get_funds(), read),
        BrokerCall("get_positions", *routes.positions, lambda a: a.get_positions(), read),
        BrokerCall("list_orders", *routes.orders, lambda a: a.list_orders(), read),
        BrokerCall(
            "find_orders_by_tag",
            *routes.orders,
            lambda a: a.find_orders_by_tag(BAD_REPLY_TAG),
            read,
        ),
        BrokerCall("get_trades", *routes.trades, lambda a: a.get_trades(), read),
        BrokerCall(
            "place_order", *routes.place, lambda a: a.place_order(order, BAD_REPLY_TAG), write
        ),
        BrokerCall(
            "cancel_order", *routes.cancel, lambda a: a.cancel_order(CANCELLED_ORDER_ID), write
        ),
    )
