"""The {{ cookiecutter.broker_name }} adapter: Ordo's ``BrokerAdapter`` contract over the toy HTTP API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx
from ordo import (
    AdapterContext,
    AdapterSettings,
    BrokerAdapter,
    BrokerSession,
    Capability,
    Funds,
    Holding,
    Instrument,
    LoginChallenge,
    Order,
    OrderAck,
    OrderRequest,
    Position,
    Quote,
    RateLimit,
    RateScope,
    SymbolRef,
    UnsupportedOperation,
)
from ordo.adapters.http import build_http_client

from {{ cookiecutter.__package }} import mapping
from {{ cookiecutter.__package }}.client import call
from {{ cookiecutter.__package }}.instruments import InstrumentMaster
from {{ cookiecutter.__package }}.login import begin_login, complete_login
from {{ cookiecutter.__package }}.settings import {{ cookiecutter.class_prefix }}Settings


class {{ cookiecutter.class_prefix }}Adapter(BrokerAdapter[{{ cookiecutter.class_prefix }}Settings]):
    """{{ cookiecutter.broker_name }}: an OTP login, an order book with tags, quotes and a master."""

    id: ClassVar[str] = "{{ cookiecutter.adapter_id }}"
    display_name: ClassVar[str] = "{{ cookiecutter.broker_name }}"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.FUNDS,
            Capability.HOLDINGS,
            Capability.POSITIONS,
            Capability.QUOTES,
            Capability.INSTRUMENTS,
            Capability.PLACE_ORDER,
            Capability.CANCEL_ORDER,
            Capability.ORDER_BOOK,
            Capability.ORDER_TAGS,
        }
    )
    Settings: ClassVar[type[AdapterSettings]] = {{ cookiecutter.class_prefix }}Settings
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = (
        RateLimit(10, 1.0),
        RateLimit(5, 1.0, RateScope.ORDERS),
    )

    def __init__(self, settings: {{ cookiecutter.class_prefix }}Settings, context: AdapterContext) -> None:
        super().__init__(settings, context)
        self._http: httpx.AsyncClient | None = None
        self._master = InstrumentMaster()

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def http(self) -> httpx.AsyncClient:
        """The account's one pooled client. Every broker call (login, reads, orders, the
        instrument download) uses it, so all of them leave through the account's egress
        (``context.egress``: source address or proxy). Build any other client or socket
        the same way, never with a bare ``httpx.AsyncClient()``."""
        if self._http is None:
            self._http = build_http_client(
                self.settings.base_url,
                transport=self.context.transport,
                timeout=self.settings.http_timeout(),
                egress=self.context.egress,
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _get(self, path: str, **kwargs: Any) -> Any:
        token = self.require_session().access_token.get_secret_value()
        return await call(self.http, "GET", path, token=token, **kwargs)

    async def _write(self, method: str, path: str, **kwargs: Any) -> Any:
        token = self.require_session().access_token.get_secret_value()
        return await call(self.http, method, path, token=token, write=True, **kwargs)

    # -- login -------------------------------------------------------------------------
    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return await begin_login(self.http, self.settings)

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        self.session = await complete_login(self.http, self.settings, challenge, answer)
        return self.session

    async def logout(self) -> None:
        try:
            if self.session is not None and not self.session.is_expired():
                await self._write("DELETE", "/v1/session")
        finally:
            self.session = None

    # -- portfolio and data -----------------------------------------------------------
    async def get_funds(self) -> Funds:
        return mapping.funds_from_broker(await self._get("/v1/funds"))

    async def get_holdings(self) -> list[Holding]:
        return [mapping.holding_from_broker(r) for r in await self._get("/v1/holdings")]

    async def get_positions(self) -> list[Position]:
        return [mapping.position_from_broker(r) for r in await self._get("/v1/positions")]

    async def load_instruments(self, *, force: bool = False) -> int:
        if len(self._master) and not force:
            return len(self._master)
        rows = await self._get("/v1/instruments")
        return self._master.replace(mapping.instrument_from_broker(r) for r in rows)

    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        await self.load_instruments()
        return self._master.get(ref)

    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        instruments = [await self.get_instrument(ref) for ref in symbols]
        if not instruments:
            return []
        body = {"tokens": [i.broker_token for i in instruments]}
        rows = await call(
            self.http,
            "POST",
            "/v1/quotes",
            token=self.require_session().access_token.get_secret_value(),
            json=body,
        )
        return [mapping.quote_from_broker(r, self._master.by_token(str(r["token"]))) for r in rows]

    # -- orders ------------------------------------------------------------------------
    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        self.require_session()
        instrument = await self.get_instrument(
            SymbolRef(exchange=order.exchange, symbol=order.symbol)
        )
        try:
            body = mapping.order_to_broker(order, instrument, tag)
        except ValueError as exc:
            raise UnsupportedOperation(str(exc)) from None
        data = await self._write("POST", "/v1/orders", json=body)
        return OrderAck(order_id=str(data["order_no"]), status=mapping.STATUS[data["state"]])

    async def cancel_order(self, order_id: str) -> OrderAck:
        data = await self._write("DELETE", f"/v1/orders/{order_id}")
        return OrderAck(order_id=str(data["order_no"]), status=mapping.STATUS[data["state"]])

    async def get_order(self, order_id: str) -> Order:
        return mapping.order_from_broker(await self._get(f"/v1/orders/{order_id}"))

    async def list_orders(self) -> list[Order]:
        return [mapping.order_from_broker(r) for r in await self._get("/v1/orders")]

    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        rows = await self._get("/v1/orders", params={"tag": tag})
        # Filter again: a broker that ignores the filter must not make us adopt others.
        return [o for o in map(mapping.order_from_broker, rows) if o.tag == tag]
