"""Every contract operation of ``FyersAdapter`` end to end against the fake."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.capabilities import REQUIRED_CAPABILITIES, Capability
from ordo.adapters.errors import (
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    SessionExpired,
)
from ordo.domain import (
    Exchange,
    InstrumentType,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
)
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.fake import FakeTransport, master_path
from ordo_adapter_fyers.testing import FyersHarness

SBIN = SymbolRef.parse("NSE:SBIN")


def _order(**changes: Any) -> OrderRequest:
    values: dict[str, Any] = {
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": Side.BUY,
        "quantity": 1,
        "order_type": OrderType.LIMIT,
        "price": Decimal("700.00"),
    }
    values.update(changes)
    return OrderRequest(**values)


def _tag(n: int) -> str:
    return order_tag("test", f"key-{n}", "0")


def test_class_declarations() -> None:
    assert FyersAdapter.id == "fyers"
    assert FyersAdapter.capabilities >= REQUIRED_CAPABILITIES
    assert Capability.SESSION_REFRESH not in FyersAdapter.capabilities
    limits = {(r.max_calls, r.period) for r in FyersAdapter.declared_rate_limits}
    assert {(10, 1.0), (200, 60.0), (100_000, 86_400.0)} <= limits


async def test_funds(adapter: FyersAdapter) -> None:
    funds = await adapter.get_funds()
    assert funds.available == Decimal(1_050_000)
    assert (funds.total, funds.collateral, funds.used) == (
        Decimal(1_050_000),
        Decimal(50_000),
        Decimal(0),
    )
    await adapter.place_order(_order(quantity=10), _tag(1))
    assert (await adapter.get_funds()).available == Decimal(1_043_000)


async def test_holdings(adapter: FyersAdapter) -> None:
    [holding] = await adapter.get_holdings()
    assert (holding.exchange, holding.symbol, holding.quantity) == (Exchange.NSE, "SBIN", 10)
    assert (holding.average_price, holding.last_price, holding.isin) == (
        Decimal(550),
        Decimal(800),
        "INE062A01020",
    )


async def test_market_order_fills_into_trades_and_positions(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    assert await adapter.get_positions() == []
    ack = await adapter.place_order(
        _order(order_type=OrderType.MARKET, price=None, quantity=3, product=Product.MIS), _tag(2)
    )
    assert ack.status is OrderStatus.PENDING
    order = await adapter.get_order(ack.order_id)
    assert (order.status, order.filled_quantity, order.average_price) == (
        OrderStatus.FILLED,
        3,
        Decimal(800),
    )
    [trade] = await adapter.get_trades()
    assert (trade.order_id, trade.quantity, trade.price, trade.tag) == (
        ack.order_id,
        3,
        Decimal(800),
        _tag(2),
    )
    harness.fake.set_price("NSE:SBIN-EQ", Decimal("810.00"))
    [position] = await adapter.get_positions()
    assert (position.symbol, position.product, position.quantity) == ("SBIN", Product.MIS, 3)
    assert (position.average_price, position.unrealised_pnl) == (Decimal(800), Decimal(30))


async def test_resting_limit_order_modify_cancel(adapter: FyersAdapter) -> None:
    tag = _tag(3)
    ack = await adapter.place_order(_order(), tag)
    order = await adapter.get_order(ack.order_id)
    assert (order.status, order.price, order.tag, order.order_type) == (
        OrderStatus.OPEN,
        Decimal(700),
        tag,
        OrderType.LIMIT,
    )
    modified = await adapter.modify_order(
        ack.order_id, OrderModification(price=Decimal("705.50"), quantity=2)
    )
    assert modified.order_id == ack.order_id
    order = await adapter.get_order(ack.order_id)
    assert (order.price, order.quantity) == (Decimal("705.5"), 2)
    cancelled = await adapter.cancel_order(ack.order_id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.CANCELLED
    with pytest.raises(OrderRejected) as info:
        await adapter.cancel_order(ack.order_id)
    assert info.value.broker_code == "-161"
    with pytest.raises(OrderRejected):
        await adapter.modify_order(ack.order_id, OrderModification(price=Decimal(701)))


async def test_modify_to_market_fills(adapter: FyersAdapter) -> None:
    ack = await adapter.place_order(_order(), _tag(4))
    await adapter.modify_order(ack.order_id, OrderModification(order_type=OrderType.MARKET))
    order = await adapter.get_order(ack.order_id)
    assert (order.order_type, order.status) == (OrderType.MARKET, OrderStatus.FILLED)
    with pytest.raises(OrderRejected) as info:
        await adapter.cancel_order(ack.order_id)
    assert info.value.broker_code == "-162"


async def test_stop_orders_trigger_on_price_moves(
    adapter: FyersAdapter, harness: FyersHarness
) -> None:
    sl_m = await adapter.place_order(
        _order(
            side=Side.SELL,
            order_type=OrderType.SL_M,
            price=None,
            trigger_price=Decimal("790.00"),
            product=Product.MIS,
        ),
        _tag(5),
    )
    sl = await adapter.place_order(
        _order(
            order_type=OrderType.SL,
            price=Decimal("821.00"),
            trigger_price=Decimal("820.00"),
            product=Product.MIS,
        ),
        _tag(6),
    )
    first = await adapter.get_order(sl_m.order_id)
    assert (first.status, first.trigger_price, first.price) == (
        OrderStatus.OPEN,
        Decimal(790),
        None,
    )
    harness.fake.set_price("NSE:SBIN-EQ", Decimal("785.00"))
    assert (await adapter.get_order(sl_m.order_id)).status is OrderStatus.FILLED
    assert (await adapter.get_order(sl.order_id)).status is OrderStatus.OPEN
    harness.fake.set_price("NSE:SBIN-EQ", Decimal("820.50"))
    filled = await adapter.get_order(sl.order_id)
    assert (filled.status, filled.average_price, filled.order_type) == (
        OrderStatus.FILLED,
        Decimal("820.5"),
        OrderType.SL,
    )


async def test_ioc_limit_that_cannot_fill_is_cancelled(adapter: FyersAdapter) -> None:
    ack = await adapter.place_order(_order(validity="IOC"), _tag(7))
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.CANCELLED


async def test_amo_rests_until_the_session(adapter: FyersAdapter) -> None:
    ack = await adapter.place_order(
        _order(order_type=OrderType.MARKET, price=None, amo=True), _tag(8)
    )
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.OPEN


async def test_derivative_order_respects_lot_size(adapter: FyersAdapter) -> None:
    ref = SymbolRef.parse("NFO:NIFTY30JAN2521500CE")
    instrument = await adapter.get_instrument(ref)
    assert (instrument.lot_size, instrument.instrument_type) == (75, InstrumentType.CALL)
    with pytest.raises(InvalidRequest) as info:
        await adapter.place_order(
            _order(
                exchange=Exchange.NFO,
                symbol=ref.symbol,
                quantity=10,
                price=Decimal("1500.00"),
                product=Product.NRML,
            ),
            _tag(9),
        )
    assert info.value.broker_code == "-50"
    ack = await adapter.place_order(
        _order(
            exchange=Exchange.NFO,
            symbol=ref.symbol,
            quantity=75,
            price=Decimal("1500.00"),
            product=Product.NRML,
        ),
        _tag(10),
    )
    order = await adapter.get_order(ack.order_id)
    assert (order.exchange, order.symbol, order.product) == (Exchange.NFO, ref.symbol, Product.NRML)


async def test_refusals(adapter: FyersAdapter) -> None:
    with pytest.raises(InvalidRequest, match="tick") as info:
        await adapter.place_order(_order(price=Decimal("700.03")), _tag(11))
    assert info.value.broker_code == "-50"
    with pytest.raises(InsufficientFunds) as funds:
        await adapter.place_order(_order(quantity=5000), _tag(12))
    assert funds.value.broker_code == "-99"
    with pytest.raises(OrderRejected, match="not tradable"):
        await adapter.place_order(_order(symbol="OLDCO", price=Decimal("9.00")), _tag(13))
    with pytest.raises(InstrumentNotFound):
        await adapter.place_order(_order(symbol="NOSUCHSYMBOL"), _tag(14))
    with pytest.raises(InvalidRequest, match="orderTag"):
        await adapter.place_order(_order(), "not a tag!")
    statuses = [o.status for o in await adapter.list_orders()]
    # Rejected orders stay in the book, as Fyers keeps them.
    assert statuses == [OrderStatus.REJECTED, OrderStatus.REJECTED]


async def test_unknown_orders(adapter: FyersAdapter) -> None:
    with pytest.raises(OrderNotFound):
        await adapter.get_order("99999")
    with pytest.raises(OrderNotFound) as info:
        await adapter.cancel_order("99999")
    assert info.value.broker_code == "-51"
    with pytest.raises(OrderNotFound):
        await adapter.modify_order("99999", OrderModification(price=Decimal(701)))


async def test_find_orders_by_tag(adapter: FyersAdapter) -> None:
    tag = _tag(15)
    assert await adapter.find_orders_by_tag(tag) == []
    ack = await adapter.place_order(_order(), tag)
    await adapter.place_order(_order(), _tag(16))
    [found] = await adapter.find_orders_by_tag(tag)
    assert (found.order_id, found.tag) == (ack.order_id, tag)
    assert len(await adapter.list_orders()) == 2


async def test_quotes(adapter: FyersAdapter) -> None:
    refs = [SBIN, SymbolRef.parse("NSE:M&M"), SymbolRef.parse("NSE_INDEX:NIFTY"), SBIN]
    quotes = await adapter.get_quotes(refs)
    assert [(q.exchange, q.symbol) for q in quotes] == [
        (Exchange.NSE, "SBIN"),
        (Exchange.NSE, "M&M"),
        (Exchange.NSE_INDEX, "NIFTY"),
    ]
    assert [q.last_price for q in quotes] == [Decimal(800), Decimal(3000), Decimal(23000)]
    assert (quotes[0].bid, quotes[0].ask) == (Decimal("799.95"), Decimal("800.05"))
    with pytest.raises(InstrumentNotFound):
        await adapter.get_quotes([SymbolRef.parse("NSE:NOSUCHSYMBOL")])


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


async def test_quotes_are_batched_by_50(harness: FyersHarness, tmp_path: Path) -> None:
    rows = [
        f"1010{n:010d},CO {n},0,1,0.05,IN{n:010d},0915-1530|,,,NSE:CO{n}-EQ,10,10,{n},CO{n},"
        f"{n},-1.0,XX,1010{n:010d},None,0,0.0"
        for n in range(120)
    ]
    master = tmp_path / "many.csv"
    master.write_text("\n".join(rows) + "\n")
    recording = Recording(harness.transport)
    adapter = FyersAdapter(
        harness.settings(
            symbol_master_sources=[str(master), master_path("NSE_CM_sym_master.json")]
        ),
        AdapterContext(account="batch", data_dir=tmp_path / "batch", transport=recording),
    )
    await harness.login(adapter)
    refs = [SymbolRef.parse(f"NSE:CO{n}") for n in range(120)] + [SBIN]
    quotes = await adapter.get_quotes(refs)
    # The fake knows only SBIN; the others come back as per-symbol errors and are left out.
    assert [q.symbol for q in quotes] == ["SBIN"]
    batches = [
        r.url.params["symbols"].split(",")
        for r in recording.requests
        if r.url.path == "/data/quotes"
    ]
    assert [len(b) for b in batches] == [50, 50, 21]
    assert batches[0][0] == "NSE:CO0-EQ"
    await adapter.aclose()


async def test_instruments(adapter: FyersAdapter) -> None:
    assert await adapter.load_instruments(force=True) == 14
    untradable = await adapter.get_instrument(SymbolRef.parse("NSE:OLDCO"))
    assert not untradable.tradable
    fut = await adapter.get_instrument(SymbolRef.parse("NFO:NIFTY30JAN25FUT"))
    assert (fut.broker_token, fut.tick_size) == ("NSE:NIFTY25JANFUT", Decimal("0.05"))
    bse = await adapter.get_instrument(SymbolRef.parse("BSE:SBIN"))
    assert bse.broker_token == "BSE:SBIN-A"
    with pytest.raises(InstrumentNotFound):
        await adapter.get_instrument(SymbolRef.parse("NSE:NOSUCHSYMBOL"))
    assert [i.symbol for i in await adapter.search_instruments("BAJ")] == ["BAJAJ-AUTO"]


async def test_start_loads_and_caches_the_master(harness: FyersHarness, tmp_path: Path) -> None:
    recording = Recording(harness.transport)
    context = AdapterContext(account="cache", data_dir=tmp_path / "cache", transport=recording)
    adapter = FyersAdapter(harness.settings(), context)
    await adapter.start()
    downloads = [r for r in recording.requests if r.url.path.startswith("/sym_details/")]
    assert [r.url.host for r in downloads] == ["public.fyers.in"] * 3
    assert (context.data_dir / "fyers" / "masters" / "NSE_FO.csv").exists()
    # A restart the same day reads the disk cache, not the network.
    again = FyersAdapter(harness.settings(), context)
    await again.start()
    assert len([r for r in recording.requests if r.url.path.startswith("/sym_details/")]) == 3
    await adapter.aclose()
    await again.aclose()


async def test_start_survives_a_missing_master(harness: FyersHarness) -> None:
    adapter = harness.create_adapter(
        symbol_master_sources=["https://public.fyers.in/sym_details/NOPE.csv"]
    )
    await adapter.start()
    await harness.login(adapter)
    assert (await adapter.get_funds()).available > 0
    await adapter.aclose()


async def test_calls_without_a_session(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    for call in (
        adapter.get_funds(),
        adapter.get_holdings(),
        adapter.get_positions(),
        adapter.list_orders(),
        adapter.get_trades(),
        adapter.find_orders_by_tag(_tag(1)),
        adapter.get_quotes([SBIN]),
        adapter.place_order(_order(), _tag(1)),
        adapter.cancel_order("1"),
    ):
        with pytest.raises(SessionExpired):
            await call
    await adapter.aclose()


def test_plugin_registration() -> None:
    import importlib.metadata

    import ordo_adapter_fyers

    registered: list[type[Any]] = []
    ordo_adapter_fyers.register_adapters(registered.append)
    assert registered == [FyersAdapter]
    ordo_eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="ordo")}
    assert ordo_eps["fyers"] == "ordo_adapter_fyers"
    harness_eps = {ep.name: ep for ep in importlib.metadata.entry_points(group="ordo.harness")}
    assert harness_eps["fyers"].load() is FyersHarness
    assert isinstance(FyersHarness(Path()).transport, FakeTransport)
