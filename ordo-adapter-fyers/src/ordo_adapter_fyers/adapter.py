"""``FyersAdapter``: the Fyers API v3 behind Ordo's ``BrokerAdapter`` contract."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from ordo.adapters.base import AdapterContext, AdapterSettings, BrokerAdapter, RateLimit, RateScope
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from ordo.adapters.errors import (
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    OrderNotFound,
    OutcomeUnknown,
)
from ordo.adapters.sockets import build_socket_dialer
from ordo.domain import (
    BrokerSession,
    Exchange,
    Funds,
    Holding,
    Instrument,
    LoginChallenge,
    Order,
    OrderAck,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    OrderStatus,
    Position,
    Profile,
    Quote,
    SymbolRef,
    Trade,
    order_history,
)
from ordo.events.push import SocketOrderChannel

from ordo_adapter_fyers import mapping
from ordo_adapter_fyers.client import FyersClient, Reply
from ordo_adapter_fyers.errors import NO_ACK_CODE, broker_code, malformed_reply
from ordo_adapter_fyers.instruments import InstrumentCatalog
from ordo_adapter_fyers.login import FyersLogin
from ordo_adapter_fyers.masters import MasterLoader
from ordo_adapter_fyers.push import order_channel
from ordo_adapter_fyers.settings import FyersSettings
from ordo_adapter_fyers.symbology import from_fyers_ticker, split_ticker

log = logging.getLogger(__name__)

QUOTE_BATCH = 50
T = TypeVar("T")
_UNSAFE_SYMBOL = re.compile(r"[^A-Z0-9&_\-.]")
_CASH_PREFIX = {"NSE": Exchange.NSE, "BSE": Exchange.BSE, "MCX": Exchange.MCX}


class FyersAdapter(BrokerAdapter[FyersSettings]):
    """Fyers API v3 over httpx: official redirect login, books, quotes and sync orders."""

    id: ClassVar[str] = "fyers"
    display_name: ClassVar[str] = "Fyers"
    capabilities: ClassVar[frozenset[Capability]] = REQUIRED_CAPABILITIES | {
        Capability.MODIFY_ORDER,
        Capability.TRADES,
        Capability.STOP_ORDERS,
        Capability.AMO,
        Capability.INSTRUMENT_SEARCH,
        Capability.MARGIN,
        Capability.PROFILE,
        Capability.ORDER_HISTORY,
        Capability.EXIT_POSITIONS,
    }
    Settings: ClassVar[type[AdapterSettings]] = FyersSettings
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = (
        RateLimit(10, 1.0, RateScope.ALL),
        RateLimit(200, 60.0, RateScope.ALL),
        RateLimit(100_000, 86_400.0, RateScope.ALL),
        RateLimit(10, 1.0, RateScope.ORDERS),
    )

    def __init__(self, settings: FyersSettings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        self._client = FyersClient(
            settings, context.transport, egress=context.egress, account=context.account
        )
        # Built beside the HTTP client: the account's connection settings apply to both.
        self._dialer = context.socket_dialer or build_socket_dialer(settings, egress=context.egress)
        self._login = FyersLogin(settings, self._client)
        self._masters = MasterLoader(
            settings.symbol_master_sources,
            context.data_dir / "fyers" / "masters",
            self._client.download,
            settings.instrument_refresh_time,
        )
        self._catalog: InstrumentCatalog | None = None
        self._catalog_loaded_at: datetime | None = None
        self._catalog_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.load_instruments()
        except BrokerUnavailable as exc:
            # Not fatal: the next instrument lookup tries again.
            log.warning("fyers %s: symbol master not loaded at start: %s", self.account, exc)

    async def aclose(self) -> None:
        await self._client.aclose()

    def restore_session(self, session: BrokerSession | None) -> None:
        app_id = session.extra.get("app_id") if session is not None else None
        if session is not None and app_id and app_id != self.settings.app_id:
            # A token is bound to the app that issued it; one for another app is useless.
            log.warning("fyers %s: stored session belongs to another app id", self.account)
            session = None
        super().restore_session(session)

    def order_channel(self) -> SocketOrderChannel | None:
        """The order WebSocket for this session (``None`` when ``order_push`` is off)."""
        if not self.settings.order_push:
            return None
        return order_channel(self.account, self.settings, self._dialer, self.require_session)

    # -- login -------------------------------------------------------------------------
    def logs_in_unattended(self) -> bool:
        """Only the (unofficial) headless flow with both the TOTP seed and the PIN in the
        settings needs nobody; the official flow always sends a person to a browser."""
        s = self.settings
        return s.unofficial_headless_login and s.totp_secret is not None and s.pin is not None

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return await self._login.begin()

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        return await self._login.complete(challenge, answer)

    async def logout(self) -> None:
        session, self.session = self.session, None
        if session is not None and not session.is_expired():
            await self._login.logout(session.access_token.get_secret_value())

    # -- helpers -----------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        session = self.require_session()
        return self._client.auth_header(session.access_token.get_secret_value())

    async def _get(self, url: str, params: dict[str, str] | None = None) -> Reply:
        return await self._client.call("GET", url, headers=self._auth(), params=params)

    async def _write(self, method: str, path: str, body: dict[str, Any]) -> Reply:
        reply = await self._client.call(
            method, self._client.api(path), headers=self._auth(), json_body=body, write=True
        )
        if broker_code(reply.body) == NO_ACK_CODE:
            raise OutcomeUnknown(
                "Fyers sent the request but got no acknowledgement (code 201)",
                broker_code=str(NO_ACK_CODE),
            )
        return reply

    async def _catalog_now(self) -> InstrumentCatalog:
        async with self._catalog_lock:
            stale = self._catalog_loaded_at is None or self._masters.is_stale(
                self._catalog_loaded_at
            )
            if self._catalog is None or stale:
                try:
                    await self._reload_catalog(force=False)
                except BrokerUnavailable:
                    if self._catalog is None:
                        raise
                    log.warning(
                        "fyers %s: master refresh failed, keeping yesterday's", self.account
                    )
            assert self._catalog is not None
            return self._catalog

    async def _reload_catalog(self, *, force: bool) -> None:
        self._catalog = await self._masters.load(force=force)
        self._catalog_loaded_at = datetime.now(UTC)

    async def _resolver(self) -> Callable[[str], SymbolRef]:
        """Ticker -> unified reference: the master when loaded, the ticker text otherwise."""
        try:
            catalog: InstrumentCatalog | None = await self._catalog_now()
        except BrokerUnavailable:
            catalog = None

        def resolve(ticker: str) -> SymbolRef:
            instrument = catalog.by_ticker(ticker) if catalog is not None else None
            if instrument is not None:
                return instrument.ref
            return _ref_from_text(ticker)

        return resolve

    async def _instrument(self, ref: SymbolRef) -> Instrument:
        instrument = (await self._catalog_now()).get(ref)
        if instrument is None or not instrument.broker_token:
            raise InstrumentNotFound(f"{ref} is not in the Fyers symbol master")
        return instrument

    # -- portfolio and data -----------------------------------------------------------
    async def get_funds(self) -> Funds:
        reply = await self._get(self._client.api("funds"))
        try:
            return mapping.funds_from_broker(
                reply.body.get("fund_limit"),
                available_id=self.settings.funds_available_id,
                segments=self.settings.funds_segments,
            )
        except ValueError as exc:
            raise BrokerUnavailable(f"unexpected funds reply: {exc}") from None

    async def get_holdings(self) -> list[Holding]:
        reply = await self._get(self._client.api("holdings"))
        resolve = await self._resolver()
        return _map_list(
            reply.body.get("holdings"), lambda i: mapping.holding_from_broker(i, resolve)
        )

    async def get_positions(self) -> list[Position]:
        reply = await self._get(self._client.api("positions"))
        resolve = await self._resolver()
        return _map_list(
            reply.body.get("netPositions"), lambda i: mapping.position_from_broker(i, resolve)
        )

    async def get_profile(self) -> Profile:
        reply = await self._get(self._client.api("profile"))
        try:
            return mapping.profile_from_broker(reply.body.get("data"))
        except ValueError as exc:
            raise BrokerUnavailable(f"unexpected profile reply: {exc}") from None

    async def required_margin(self, order: OrderRequest) -> Decimal:
        self.require_session()
        instrument = await self._instrument(SymbolRef(exchange=order.exchange, symbol=order.symbol))
        body = mapping.margin_request_to_broker(order, str(instrument.broker_token))
        # A read, though it is a POST: nothing is placed, so it is never an unknown outcome.
        reply = await self._client.call(
            "POST", self._client.api("multiorder/margin"), headers=self._auth(), json_body=body
        )
        try:
            return mapping.margin_from_broker(reply.body.get("data"))
        except ValueError as exc:
            raise BrokerUnavailable(f"unexpected margin reply: {exc}") from None

    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        self.require_session()
        tickers: dict[str, SymbolRef] = {}
        for ref in symbols:
            instrument = await self._instrument(ref)
            tickers.setdefault(str(instrument.broker_token), ref)
        quotes: dict[str, Quote] = {}
        names = list(tickers)
        for start in range(0, len(names), QUOTE_BATCH):
            batch = names[start : start + QUOTE_BATCH]
            reply = await self._get(self._client.data("quotes"), {"symbols": ",".join(batch)})
            for item in reply.body.get("d") or []:
                name = str(item.get("n", "")).upper() if isinstance(item, dict) else ""
                if name in tickers:
                    quote = mapping.quote_from_broker(item, tickers[name])
                    if quote is not None:
                        quotes[name] = quote
        # Symbols Fyers reported an error for are left out; order follows the request.
        return [quotes[name] for name in names if name in quotes]

    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        return await self._instrument(ref)

    async def load_instruments(self, *, force: bool = False) -> int:
        async with self._catalog_lock:
            await self._reload_catalog(force=force)
            assert self._catalog is not None
            return len(self._catalog)

    async def search_instruments(self, query: str, limit: int = 20) -> list[Instrument]:
        return (await self._catalog_now()).search(query, limit)

    # -- orders ------------------------------------------------------------------------
    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        self.require_session()
        instrument = await self._instrument(SymbolRef(exchange=order.exchange, symbol=order.symbol))
        try:
            body = mapping.order_to_broker(order, str(instrument.broker_token), tag)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        reply = await self._write("POST", "orders/sync", body)
        order_id = reply.body.get("id")
        if not order_id:
            raise OutcomeUnknown("Fyers accepted the order but returned no order id")
        return OrderAck(order_id=str(order_id), message=str(reply.body.get("message") or ""))

    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        self.require_session()
        current_type = changes.order_type or (await self.get_order(order_id)).order_type
        try:
            body = mapping.modification_to_broker(order_id, changes, current_type)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        reply = await self._write("PATCH", "orders/sync", body)
        return OrderAck(
            order_id=_acknowledged_id(reply),
            message=str(reply.body.get("message") or ""),
        )

    async def cancel_order(self, order_id: str) -> OrderAck:
        self.require_session()
        reply = await self._write("DELETE", "orders/sync", {"id": order_id})
        return OrderAck(
            order_id=_acknowledged_id(reply),
            status=OrderStatus.CANCELLED,
            message=str(reply.body.get("message") or ""),
        )

    async def get_order(self, order_id: str) -> Order:
        reply = await self._get(self._client.api("orders"), {"id": order_id})
        # Filter here too: the id filter is a convenience of the server, not a promise.
        items = [i for i in _items(reply.body.get("orderBook")) if str(i.get("id")) == order_id]
        if not items:
            raise OrderNotFound(f"Fyers has no order {order_id!r} today")
        return mapping.order_from_broker(items[0], await self._resolver())

    async def get_order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        """The order's rows of ``GET /orders?id=`` (Fyers' history of an order is its
        order-book entry: one row per state it reports), oldest first."""
        reply = await self._get(self._client.api("orders"), {"id": order_id})
        items = [i for i in _items(reply.body.get("orderBook")) if str(i.get("id")) == order_id]
        if not items:
            raise OrderNotFound(f"Fyers has no order {order_id!r} today")
        resolve = await self._resolver()
        return order_history(mapping.order_from_broker(i, resolve) for i in items)

    async def list_orders(self) -> list[Order]:
        reply = await self._get(self._client.api("orders"))
        resolve = await self._resolver()
        return _map_list(
            reply.body.get("orderBook"), lambda i: mapping.order_from_broker(i, resolve)
        )

    async def get_trades(self) -> list[Trade]:
        reply = await self._get(self._client.api("tradebook"))
        resolve = await self._resolver()
        return _map_list(
            reply.body.get("tradeBook"), lambda i: mapping.trade_from_broker(i, resolve)
        )

    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        # The whole book, filtered here: whether the server's order_tag filter wants the
        # "1:" prefix is undocumented, and a false "absent" would cause a duplicate order.
        reply = await self._get(self._client.api("orders"))
        matching = [
            i
            for i in _items(reply.body.get("orderBook"))
            if mapping.tag_from_broker(i.get("orderTag")) == tag
        ]
        resolve = await self._resolver()
        return [mapping.order_from_broker(i, resolve) for i in matching]


def _items(value: Any) -> list[dict[str, Any]]:
    """The rows of a book. A book that is missing or not a list is an unreadable reply,
    never an empty book: an empty order book would "prove" a lost order absent."""
    if not isinstance(value, list):
        raise malformed_reply("the book is missing from the reply", write=False)
    return [i for i in value if isinstance(i, dict)]


def _map_list(value: Any, convert: Callable[[dict[str, Any]], T]) -> list[T]:
    return [convert(item) for item in _items(value)]


def _acknowledged_id(reply: Reply) -> str:
    """The order id a modify or cancel acknowledged; without one the write's fate is open."""
    order_id = reply.body.get("id")
    if not order_id:
        raise malformed_reply("an acknowledgement without an order id", write=True)
    return str(order_id)


def _ref_from_text(ticker: str) -> SymbolRef:
    """Best-effort reference for a ticker the master does not know (never raises)."""
    try:
        return from_fyers_ticker(ticker)
    except ValueError:
        pass
    try:
        prefix, name = split_ticker(ticker)
    except ValueError:
        prefix, name = "NSE", ticker.upper() or "UNKNOWN"
    symbol = _UNSAFE_SYMBOL.sub("_", name)[:64] or "UNKNOWN"
    return SymbolRef(exchange=_CASH_PREFIX.get(prefix, Exchange.NSE), symbol=symbol)
