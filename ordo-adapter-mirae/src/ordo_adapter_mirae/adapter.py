"""``MiraeAdapter``: Mirae Asset m.Stock (Type A) behind Ordo's ``BrokerAdapter`` contract."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from ordo.adapters.base import AdapterContext, AdapterSettings, BrokerAdapter, RateLimit, RateScope
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from ordo.adapters.errors import (
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    OrderNotFound,
    OutcomeUnknown,
    SessionExpired,
)
from ordo.adapters.sockets import build_socket_dialer
from ordo.adapters.values import parse_text
from ordo.domain import (
    BrokerSession,
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
)
from ordo.events.push import SocketOrderChannel
from ordo.safety.tags import is_order_tag
from pydantic import SecretStr

from ordo_adapter_mirae import forms, mapping
from ordo_adapter_mirae.client import MiraeClient
from ordo_adapter_mirae.instruments import InstrumentStore, MasterCache, MasterEntry
from ordo_adapter_mirae.login import MiraeLogin
from ordo_adapter_mirae.push import order_channel
from ordo_adapter_mirae.settings import MiraeSettings
from ordo_adapter_mirae.typea import TypeAApi

ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class MiraeAdapter(BrokerAdapter[MiraeSettings]):
    """Mirae Asset m.Stock through its Type A REST API.

    Login is username + password, then the SMS OTP (or the authenticator's TOTP; fully
    unattended when ``totp_secret`` is configured). Orders carry Ordo's tag in ``tag``.
    """

    id: ClassVar[str] = "mirae"
    display_name: ClassVar[str] = "Mirae Asset m.Stock"
    capabilities: ClassVar[frozenset[Capability]] = REQUIRED_CAPABILITIES | {
        Capability.MODIFY_ORDER,
        Capability.TRADES,
        Capability.MARGIN,
        Capability.STOP_ORDERS,
        Capability.AMO,
        Capability.INSTRUMENT_SEARCH,
        Capability.ORDER_HISTORY,
        Capability.EXIT_POSITIONS,
        Capability.PROFILE,
    }
    Settings: ClassVar[type[AdapterSettings]] = MiraeSettings
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = (
        RateLimit(30, 1.0, RateScope.ORDERS),
        RateLimit(250, 60.0, RateScope.ORDERS),
        RateLimit(1000, 3600.0, RateScope.ORDERS),
        RateLimit(1, 1.0, RateScope.READS),
        RateLimit(20, 1.0, RateScope.QUOTES),
    )

    def __init__(self, settings: MiraeSettings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        self._client = MiraeClient(
            settings, transport=context.transport, egress=context.egress, account=context.account
        )
        # Built beside the HTTP client: the account's connection settings apply to both.
        self._dialer = context.socket_dialer or build_socket_dialer(settings, egress=context.egress)
        self._api = TypeAApi(self._client)
        source_key = settings.instruments_source or f"{settings.base_url}{settings.api_prefix}"
        self._store = InstrumentStore(
            MasterCache(Path(context.data_dir), source_key), settings.instruments_refresh_at
        )
        self._master_lock = asyncio.Lock()
        self._login = MiraeLogin(settings, self._api, self._now)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Adopt the cached master; a refresh waits for the first call that needs it."""
        await asyncio.to_thread(self._store.load_cached)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def order_channel(self) -> SocketOrderChannel | None:
        """The socket's order frames for this session (``None`` when ``order_push`` is
        off)."""
        if not self.settings.order_push:
            return None
        return order_channel(self.account, self.settings, self._dialer, self.require_session)

    # -- login -------------------------------------------------------------------------
    def logs_in_unattended(self) -> bool:
        """With ``totp_secret`` the login goes through ``session/verifytotp`` unasked."""
        return self.settings.totp_secret is not None

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return self._adopt(await self._login.begin(self.account))

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        return self._adopt(await self._login.complete(self.account, challenge, answer))

    async def resend_challenge(self, challenge: LoginChallenge) -> LoginChallenge:
        return await self._login.resend(self.account, challenge)

    async def logout(self) -> None:
        session = self.session
        self.session = None
        if session is None or session.is_expired(self._now()):
            return
        try:
            await self._api.logout(session.access_token)
        except SessionExpired:
            return  # already ended at the broker: the goal is reached

    def _adopt(self, step: LoginChallenge | BrokerSession) -> LoginChallenge | BrokerSession:
        if isinstance(step, BrokerSession):
            self.session = step
        return step

    # -- instruments -------------------------------------------------------------------
    async def load_instruments(self, *, force: bool = False) -> int:
        async with self._master_lock:
            if not force and self._store.loaded and not self._store.is_stale(self._now()):
                return len(self._store.index)
            usable = await self._store.refresh(self._fetch_master, self._now())
            if usable == 0:
                raise BrokerUnavailable("the m.Stock scrip master had no usable rows")
            return len(self._store.index)

    async def _fetch_master(self) -> str:
        source = self.settings.instruments_source
        if source and not source.startswith(("http://", "https://")):
            try:
                return await asyncio.to_thread(_read_text, source)
            except OSError as exc:
                raise BrokerUnavailable(f"cannot read the scrip master file: {exc}") from None
        token = self.require_session().access_token if source is None else None
        return await self._api.script_master(token, source)

    async def _entries(self) -> None:
        if not self._store.loaded or self._store.is_stale(self._now()):
            try:
                await self.load_instruments()
            except BrokerError:
                # A stale master still maps symbols correctly for all but new contracts.
                if not self._store.loaded:
                    raise

    async def _entry(self, ref: SymbolRef) -> MasterEntry:
        await self._entries()
        entry = self._store.index.get(ref)
        if entry is None:
            raise InstrumentNotFound(f"{ref} is not in the m.Stock scrip master")
        return entry

    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        return (await self._entry(ref)).instrument

    async def search_instruments(self, query: str, limit: int = 20) -> list[Instrument]:
        await self._entries()
        return self._store.index.search(query, limit)

    def _resolve(self, broker_exchange: str, tradingsymbol: str) -> SymbolRef | None:
        return self._store.index.resolve(broker_exchange, tradingsymbol)

    def _resolve_token(self, token: str) -> SymbolRef | None:
        return self._store.index.resolve_token(token)

    async def _mapped(self) -> None:
        """Books map better with a master, but must not fail for want of one."""
        try:
            await self._entries()
        except BrokerError as exc:
            if isinstance(exc, SessionExpired):
                raise

    # -- portfolio and data -----------------------------------------------------------
    async def get_funds(self) -> Funds:
        data = await self._api.fund_summary(self.require_session().access_token)
        try:
            return mapping.funds_from_broker(data)
        except mapping.MappingError as exc:
            raise BrokerUnavailable(f"m.Stock funds reply: {exc}") from None

    async def get_holdings(self) -> list[Holding]:
        data = await self._api.holdings(self.require_session().access_token)
        await self._mapped()
        with _unreadable():
            return mapping.holdings_from_data(data, self._resolve_token)

    async def get_positions(self) -> list[Position]:
        data = await self._api.positions(self.require_session().access_token)
        await self._mapped()
        with _unreadable():
            return mapping.positions_from_data(data, self._resolve)

    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        """OHLC for every symbol in one call; LTP asked separately only for entries the OHLC
        reply left without a price."""
        token = self.require_session().access_token
        if not symbols:
            return []
        keyed: dict[str, SymbolRef] = {}
        for ref in symbols:
            entry = await self._entry(ref)
            keyed[mapping.quote_key(entry.broker_exchange, entry.tradingsymbol)] = ref
        entries = mapping.quote_entries(await self._api.quotes(token, "ohlc", list(keyed)))
        missing = mapping.keys_missing(entries, keyed)
        if missing:
            entries.update(mapping.quote_entries(await self._api.quotes(token, "ltp", missing)))
        quotes = (mapping.quote_from_broker(ref, entries.get(key)) for key, ref in keyed.items())
        return [quote for quote in quotes if quote is not None]

    # -- orders ------------------------------------------------------------------------
    async def required_margin(self, order: OrderRequest) -> Decimal:
        token = self.require_session().access_token
        entry = await self._entry(SymbolRef(exchange=order.exchange, symbol=order.symbol))
        body = forms.margin_body(
            order, tradingsymbol=entry.tradingsymbol, broker_exchange=entry.broker_exchange
        )
        data = await self._api.order_margin(token, body)
        try:
            return mapping.margin_from_broker(data)
        except mapping.MappingError as exc:
            raise BrokerUnavailable(f"m.Stock margin reply: {exc}") from None

    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        """Place one order with ``tag`` in m.Stock's ``tag`` field (Ordo tags are 16
        alphanumerics, within m.Stock's limit, so they are sent unchanged)."""
        token = self.require_session().access_token
        if not is_order_tag(tag):
            raise InvalidRequest(f"{tag!r} is not an Ordo order tag")
        entry = await self._entry(SymbolRef(exchange=order.exchange, symbol=order.symbol))
        if not entry.instrument.tradable:
            raise InvalidRequest(f"{entry.instrument.ref} is not tradable")
        form = forms.order_form(
            order,
            tradingsymbol=entry.tradingsymbol,
            broker_exchange=entry.broker_exchange,
            tag=tag,
        )
        data = await self._api.place(token, "amo" if order.amo else "regular", form)
        order_id = mapping.order_id_from(data)
        if order_id is None:
            # Success without an id: the order may well exist; reconcile by tag.
            raise OutcomeUnknown("m.Stock accepted the order but sent no order id")
        return OrderAck(order_id=order_id, status=OrderStatus.PENDING, message="order placed")

    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        """Modify an open order, resending its unchanged fields (m.Stock replaces the
        whole order on modify)."""
        token = self.require_session().access_token
        row = await self._order_row(token, order_id)
        try:
            form = forms.modify_form(
                row, changes, resend_instrument=self.settings.modify_resends_instrument
            )
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        data = await self._api.modify(token, order_id, form)
        return OrderAck(
            order_id=_acknowledged_id(data),
            status=OrderStatus.PENDING,
            message="modification sent",
        )

    async def cancel_order(self, order_id: str) -> OrderAck:
        token = self.require_session().access_token
        _check_order_id(order_id)
        data = await self._api.cancel(token, order_id)
        return OrderAck(
            order_id=_acknowledged_id(data),
            status=OrderStatus.PENDING,
            message="cancellation sent",
        )

    async def _order_row(self, token: SecretStr, order_id: str) -> dict[str, Any]:
        _check_order_id(order_id)
        data = await self._api.order_book(token)
        with _unreadable():
            rows = mapping.rows_of(data)
        for row in rows:
            if parse_text(row.get("order_id")) == order_id:
                return row
        raise OrderNotFound(f"order {order_id} is not in today's m.Stock order book")

    async def list_orders(self) -> list[Order]:
        data = await self._api.order_book(self.require_session().access_token)
        await self._mapped()
        with _unreadable():
            return mapping.orders_from_data(data, self._resolve)

    async def get_order(self, order_id: str) -> Order:
        _check_order_id(order_id)
        for order in await self.list_orders():
            if order.order_id == order_id:
                return order
        raise OrderNotFound(f"order {order_id} is not in today's m.Stock order book")

    async def get_order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        """``order/details``: the order's rows, oldest first. The segment (E equity, D
        derivatives) is not known from the id alone: equity is asked first, then
        derivatives; an order neither knows is ``OrderNotFound``."""
        token = self.require_session().access_token
        _check_order_id(order_id)
        await self._mapped()
        for segment in ("E", "D"):
            data = await self._api.order_details(token, order_id, segment)
            with _unreadable():
                steps = mapping.history_from_data(data, order_id, self._resolve)
            if steps:
                return steps
        raise OrderNotFound(f"m.Stock has no order {order_id} today")

    async def get_profile(self) -> Profile:
        """From the login's session object: Type A has no profile endpoint (its user calls
        are login, session, fund summary and logout)."""
        session = self.require_session()
        return mapping.profile_from_session(session.extra, self.account)

    async def get_trades(self) -> list[Trade]:
        data = await self._api.trade_book(self.require_session().access_token)
        await self._mapped()
        with _unreadable():
            return mapping.trades_from_data(data, self._resolve)

    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        return [order for order in await self.list_orders() if order.tag == tag]


@contextmanager
def _unreadable() -> Iterator[None]:
    """A book that is not the documented shape did not take effect: unavailable."""
    try:
        yield
    except mapping.MappingError as exc:
        raise BrokerUnavailable(f"m.Stock sent an unreadable book: {exc}") from None


def _acknowledged_id(data: Any) -> str:
    """The order id a modify or cancel acknowledged; without one the write's fate is open."""
    order_id = mapping.order_id_from(data)
    if order_id is None:
        raise OutcomeUnknown("m.Stock acknowledged the request without an order id")
    return order_id


def _check_order_id(order_id: str) -> None:
    # The id goes into the URL path; anything but a plain id cannot be an m.Stock order.
    if not ORDER_ID.match(order_id):
        raise OrderNotFound(f"{order_id!r} is not an m.Stock order id")


def _read_text(path: str) -> str:
    return Path(path).expanduser().read_text(encoding="utf-8")
