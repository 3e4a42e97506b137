"""``HdfcAdapter``: Ordo's contract over the HDFC Securities InvestRight REST API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from ordo.adapters.base import AdapterContext, AdapterSettings, BrokerAdapter, RateLimit, RateScope
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from ordo.adapters.errors import (
    BrokerError,
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    OrderNotFound,
    OutcomeUnknown,
)
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
    history_from_fills,
)

from ordo_adapter_hdfc import mapping
from ordo_adapter_hdfc.client import HdfcClient
from ordo_adapter_hdfc.errors import CallKind, Reply, rejection_error
from ordo_adapter_hdfc.instruments import InstrumentStore
from ordo_adapter_hdfc.login import HdfcLogin
from ordo_adapter_hdfc.master import HdfcInstrument, InstrumentIndex
from ordo_adapter_hdfc.normalise import text
from ordo_adapter_hdfc.settings import HdfcSettings


def declared_limits(orders_per_second: int, reads_per_second: float) -> tuple[RateLimit, ...]:
    """10 orders/s (the regulatory ceiling) and a conservative read rate; HDFC publishes
    no REST quota of its own."""
    if reads_per_second >= 1:
        reads, period = int(reads_per_second), 1.0
    else:
        reads, period = 1, 1.0 / reads_per_second
    return (
        RateLimit(orders_per_second, 1.0, RateScope.ORDERS),
        RateLimit(reads, period, RateScope.READS),
        RateLimit(reads, period, RateScope.QUOTES),
    )


class HdfcAdapter(BrokerAdapter[HdfcSettings]):
    """HDFC Securities InvestRight. Daily login with OTP (no refresh), REST orders, LTP
    quotes, the public security master."""

    id: ClassVar[str] = "hdfc"
    display_name: ClassVar[str] = "HDFC Securities InvestRight"
    capabilities: ClassVar[frozenset[Capability]] = REQUIRED_CAPABILITIES | {
        Capability.INSTRUMENT_SEARCH,
        Capability.MODIFY_ORDER,
        Capability.TRADES,
        Capability.PROFILE,
        Capability.STOP_ORDERS,
        Capability.AMO,
        Capability.EXIT_POSITIONS,
        Capability.ORDER_HISTORY,
    }
    Settings: ClassVar[type[AdapterSettings]] = HdfcSettings
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = declared_limits(
        HdfcSettings.model_fields["orders_per_second"].default,
        HdfcSettings.model_fields["reads_per_second"].default,
    )

    @classmethod
    def rate_limits_for(cls, settings: HdfcSettings) -> tuple[RateLimit, ...]:
        """The read quota is a setting (the docs give none; 3/s is a cautious guess)."""
        return declared_limits(settings.orders_per_second, settings.reads_per_second)

    def __init__(self, settings: HdfcSettings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        self._client = HdfcClient(
            settings, context.transport, egress=context.egress, account=context.account
        )
        self._login = HdfcLogin(self._client, settings)
        self._instruments = InstrumentStore(
            settings.resolved_instruments_source(),
            context.data_dir,
            self._client.download,
            refresh_at=settings.instruments_refresh_at,
            tick_unit=settings.tick_size_unit,
        )
        self._path_choice: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Load the master (cache or source). A failure here is retried on first use."""
        try:
            await self._instruments.get()
        except BrokerError:
            return

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- login -------------------------------------------------------------------------
    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return await self._login.begin()

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        step = await self._login.complete(challenge, answer)
        if isinstance(step, BrokerSession):
            self.session = step
        return step

    async def resend_challenge(self, challenge: LoginChallenge) -> LoginChallenge:
        return await self._login.resend(challenge)

    async def logout(self) -> None:
        """InvestRight has no logout endpoint: the token simply stops being used."""
        self.session = None

    # -- plumbing ----------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        kind: CallKind = CallKind.READ,
        body: Any = None,
        not_found: type[BrokerError] = InvalidRequest,
    ) -> Reply:
        session = self.require_session()
        return await self._client.call(
            method,
            path,
            kind=kind,
            body=body,
            token=session.access_token.get_secret_value(),
            not_found=not_found,
        )

    async def _call_first(self, name: str, paths: list[str]) -> Reply:
        """GET the first of ``paths`` that exists (sources disagree); remembers the winner."""
        start = self._path_choice.get(name, 0)
        ordered = paths[start:] + paths[:start]
        last: BrokerError | None = None
        for path in ordered:
            try:
                reply = await self._call("GET", path, not_found=_PathMissing)
            except _PathMissing as exc:
                last = exc
                continue
            self._path_choice[name] = paths.index(path)
            return reply
        raise InvalidRequest(f"no configured {name} path exists: {last}")

    async def _index(self) -> InstrumentIndex:
        return await self._instruments.get()

    async def _resolver(self) -> mapping.Resolve:
        try:
            index = await self._index()
        except BrokerError:
            return lambda _exchange, _id: None  # rows still map from their own fields
        return index.by_security_id

    async def _instrument(self, ref: SymbolRef) -> HdfcInstrument:
        found = (await self._index()).by_ref(ref)
        if found is None:
            raise InstrumentNotFound(f"{ref} is not in the HDFC security master")
        return found

    # -- instruments -------------------------------------------------------------------
    async def load_instruments(self, *, force: bool = False) -> int:
        return await self._instruments.load(force=force)

    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        return (await self._instrument(ref)).instrument

    async def search_instruments(self, query: str, limit: int = 20) -> list[Instrument]:
        return (await self._index()).search(query, limit)

    # -- portfolio ---------------------------------------------------------------------
    async def get_profile(self) -> Profile:
        paths = self.settings.paths
        reply = await self._call(paths.profile_method, paths.profile)
        return _readable(mapping.profile_from_broker, reply.body)

    async def get_funds(self) -> Funds:
        reply = await self._call_first("margins", self.settings.paths.margins)
        return _readable(mapping.funds_from_broker, reply.body)

    async def get_holdings(self) -> list[Holding]:
        reply = await self._call("GET", self.settings.paths.holdings)
        resolve = await self._resolver()
        return _mapped(
            _readable(mapping.rows, reply.body), lambda r: mapping.holding_from_broker(r, resolve)
        )

    async def get_positions(self) -> list[Position]:
        reply = await self._call_first("positions", self.settings.paths.positions)
        resolve = await self._resolver()
        return _mapped(
            _readable(mapping.position_rows, reply.body),
            lambda r: mapping.position_from_broker(r, resolve),
        )

    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        """LTP and previous close via ``PUT /fetch-ltp`` in batches; an instrument the broker
        leaves out of its reply has no quote."""
        items = [await self._instrument(ref) for ref in symbols]
        by_key = {(i.ltp_exchange, i.exch_security_id): i for i in items}
        size = self.settings.ltp_batch_size
        quotes: dict[tuple[str, str], Quote] = {}
        for start in range(0, len(items), size):
            batch = items[start : start + size]
            reply = await self._call(
                "PUT", self.settings.paths.ltp, body=mapping.ltp_request(batch)
            )
            for row in _readable(mapping.rows, reply.body):
                key = mapping.ltp_key(str(row.get("exchange", "")), row.get("token"))
                item = by_key.get(key)
                quote = mapping.quote_from_broker(row, item) if item else None
                if quote is not None:
                    quotes[key] = quote
        return [
            quotes[(i.ltp_exchange, i.exch_security_id)]
            for i in items
            if (i.ltp_exchange, i.exch_security_id) in quotes
        ]

    # -- order book --------------------------------------------------------------------
    async def _order_row(self, order_id: str) -> mapping.Row:
        path = self.settings.paths.order.format(order_id=order_id)
        reply = await self._call("GET", path, not_found=OrderNotFound)
        found = [r for r in _readable(mapping.rows, reply.body) if text(r, "order_id") == order_id]
        if not found:
            raise OrderNotFound(f"order {order_id} is not in the HDFC order book")
        return found[0]

    async def get_order(self, order_id: str) -> Order:
        row = await self._order_row(order_id)
        return _map_one(row, mapping.order_from_broker, await self._resolver())

    async def get_order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        """HDFC keeps no status trail: the steps are rebuilt from the order's row
        (``GET /orders/{id}``) and its fills (``GET /orders/{id}/trades``)."""
        resolve = await self._resolver()
        order = _map_one(await self._order_row(order_id), mapping.order_from_broker, resolve)
        path = self.settings.paths.order_trades.format(order_id=order_id)
        reply = await self._call("GET", path, not_found=OrderNotFound)
        fills = _mapped(
            _readable(mapping.rows, reply.body), lambda r: mapping.trade_from_broker(r, resolve)
        )
        return history_from_fills(order, [f for f in fills if f.order_id == order_id])

    async def _book(self) -> list[mapping.Row]:
        reply = await self._call("GET", self.settings.paths.orders)
        return _readable(mapping.rows, reply.body)

    async def list_orders(self) -> list[Order]:
        resolve = await self._resolver()
        return _mapped(await self._book(), lambda r: mapping.order_from_broker(r, resolve))

    async def get_trades(self) -> list[Trade]:
        reply = await self._call("GET", self.settings.paths.trades)
        resolve = await self._resolver()
        return _mapped(
            _readable(mapping.rows, reply.body), lambda r: mapping.trade_from_broker(r, resolve)
        )

    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        """Orders whose numeric ``external_reference_number`` is ``tag``'s."""
        try:
            mapping.tag_to_reference(tag)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        resolve = await self._resolver()
        matches = [
            r
            for r in await self._book()
            if mapping.reference_matches(text(r, "external_reference_number"), tag)
        ]
        return [_map_one(r, mapping.order_from_broker, resolve) for r in matches]

    # -- writes ------------------------------------------------------------------------
    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        """Place one order carrying ``tag``; then poll its status briefly so a rejection
        that shows only in the book becomes ``OrderRejected``."""
        item = await self._instrument(SymbolRef(exchange=order.exchange, symbol=order.symbol))
        if not item.instrument.tradable:
            raise InvalidRequest(f"{item.instrument.ref} is not tradable")
        try:
            body = mapping.order_to_broker(
                order, item, tag, reference_as_number=self.settings.reference_as_number
            )
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        reply = await self._call("POST", self.settings.paths.place, kind=CallKind.WRITE, body=body)
        return await self._poll_after_place(_acknowledged_id(reply.body))

    async def _poll_after_place(self, order_id: str) -> OrderAck:
        status = OrderStatus.PENDING
        for attempt in range(self.settings.status_poll_attempts):
            if attempt:
                await asyncio.sleep(self.settings.status_poll_interval)
            try:
                current = await self.get_order(order_id)
            except BrokerError:
                break  # the order exists; its status can be read later
            status = current.status
            if status is OrderStatus.REJECTED:
                raise rejection_error(current.status_message)
            if status is not OrderStatus.PENDING:
                break
        return OrderAck(order_id=order_id, status=status)

    async def _ack_after(self, order_id: str, message: str) -> OrderAck:
        try:
            status = (await self.get_order(order_id)).status
        except BrokerError:
            status = OrderStatus.PENDING
        return OrderAck(order_id=order_id, status=status, message=message)

    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        """Send all eight mutable fields, copied from the current order, with ``changes``."""
        current = await self._order_row(order_id)
        try:
            body = mapping.modification_to_broker(current, changes)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        path = self.settings.paths.modify.format(order_id=order_id)
        reply = await self._call(
            "PUT", path, kind=CallKind.WRITE, body=body, not_found=OrderNotFound
        )
        return await self._ack_after(_acknowledged_id(reply.body), "modified")

    async def cancel_order(self, order_id: str) -> OrderAck:
        path = self.settings.paths.cancel.format(order_id=order_id)
        reply = await self._call("DELETE", path, kind=CallKind.WRITE, not_found=OrderNotFound)
        return await self._ack_after(_acknowledged_id(reply.body), "cancel requested")


T = TypeVar("T")


class _PathMissing(BrokerError):
    """A 404 on one of several candidate paths: try the next one."""


def _acknowledged_id(body: Any) -> str:
    """The order id a write acknowledged; without a readable one the write's fate is open."""
    try:
        order_id = mapping.order_id_from_reply(body)
    except ValueError:
        order_id = None
    if not order_id:
        raise OutcomeUnknown("the broker acknowledged the order write without an order_id")
    return order_id


def _readable(read: Callable[[Any], T], body: Any) -> T:
    """``read(body)``; a body that is not the documented shape is ``BrokerUnavailable``."""
    try:
        return read(body)
    except ValueError as exc:
        raise BrokerUnavailable(f"unexpected reply from HDFC: {exc}") from None


def _mapped(source: list[mapping.Row], convert: Callable[[mapping.Row], T]) -> list[T]:
    """Map rows, turning a row the normalisers cannot read into ``BrokerUnavailable``."""
    try:
        return [convert(row) for row in source]
    except ValueError as exc:
        raise BrokerUnavailable(f"unexpected reply from HDFC: {exc}") from None


def _map_one(
    row: mapping.Row, convert: Callable[[mapping.Row, mapping.Resolve], T], resolve: mapping.Resolve
) -> T:
    try:
        return convert(row, resolve)
    except ValueError as exc:
        raise BrokerUnavailable(f"unexpected reply from HDFC: {exc}") from None
