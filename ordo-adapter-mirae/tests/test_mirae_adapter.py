"""Every adapter operation end to end against the fake m.Stock, including its faults."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import (
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    IpNotWhitelisted,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
)
from ordo.domain import (
    Exchange,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    SymbolRef,
)
from ordo.safety.tags import order_tag
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.testing import MiraeHarness

TAG = order_tag("tests", "key-1", "0")
SBIN = SymbolRef.parse("NSE:SBIN")
NIFTY_FUT = SymbolRef.parse("NFO:NIFTY26DEC30FUT")


def resting(quantity: int = 2, **changes: object) -> OrderRequest:
    fields: dict[str, object] = {
        "exchange": Exchange.NSE,
        "symbol": "SBIN",
        "side": Side.BUY,
        "quantity": quantity,
        "order_type": OrderType.LIMIT,
        "price": Decimal("700.00"),
    }
    fields.update(changes)
    return OrderRequest.model_validate(fields)


def market(quantity: int = 5, side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(exchange=Exchange.NSE, symbol="SBIN", side=side, quantity=quantity)


# -- portfolio and data ---------------------------------------------------------------------
async def test_funds(adapter: MiraeAdapter) -> None:
    funds = await adapter.get_funds()
    assert (funds.available, funds.used, funds.total, funds.collateral) == (
        Decimal("500000.00"),
        Decimal(0),
        Decimal("500000.00"),
        Decimal("25000.00"),
    )


async def test_funds_follow_fills(adapter: MiraeAdapter) -> None:
    await adapter.place_order(market(10), TAG)
    funds = await adapter.get_funds()
    assert funds.used == Decimal("8000.00")
    assert funds.available == Decimal("492000.00")


async def test_holdings(adapter: MiraeAdapter) -> None:
    holdings = {h.symbol: h for h in await adapter.get_holdings()}
    assert set(holdings) == {"SBIN", "INFY"}
    assert (holdings["SBIN"].quantity, holdings["SBIN"].average_price) == (10, Decimal("650.0"))
    assert holdings["INFY"].t1_quantity == 2
    assert holdings["SBIN"].isin == "INE062A01020"


async def test_positions_and_trades_after_fills(adapter: MiraeAdapter) -> None:
    assert await adapter.get_positions() == []
    assert await adapter.get_trades() == []
    buy = await adapter.place_order(market(5), TAG)
    await adapter.place_order(market(2, Side.SELL), order_tag("tests", "key-2", "0"))
    [position] = await adapter.get_positions()
    assert (position.exchange, position.symbol, position.quantity) == (Exchange.NSE, "SBIN", 3)
    assert (position.buy_quantity, position.sell_quantity) == (5, 2)
    assert position.average_price == Decimal("800.0")
    trades = await adapter.get_trades()
    assert next((t.order_id, t.side, t.quantity, t.price) for t in trades) == (
        buy.order_id,
        Side.BUY,
        5,
        Decimal("800.0"),
    )
    assert all(t.symbol == "SBIN" for t in trades)


async def test_quotes(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    quotes = await adapter.get_quotes([SBIN, NIFTY_FUT])
    assert [(q.exchange, q.symbol, q.last_price) for q in quotes] == [
        (Exchange.NSE, "SBIN", Decimal("800.0")),
        (Exchange.NFO, "NIFTY26DEC30FUT", Decimal("21550.0")),
    ]
    assert (quotes[0].high, quotes[0].low, quotes[0].close) == (
        Decimal("808.0"),
        Decimal("792.0"),
        Decimal("796.0"),
    )
    assert harness.broker.calls[-1] == ("GET", "/openapi/typea/instruments/quote/ohlc")


async def test_quote_of_unknown_symbol(adapter: MiraeAdapter) -> None:
    with pytest.raises(InstrumentNotFound):
        await adapter.get_quotes([SymbolRef.parse("NSE:NOSUCH")])
    assert await adapter.get_quotes([]) == []


# -- instruments -----------------------------------------------------------------------------
async def test_instruments(anon: MiraeAdapter) -> None:
    assert await anon.load_instruments() == 15
    sbin = await anon.get_instrument(SBIN)
    assert (sbin.lot_size, sbin.tick_size, sbin.tradable, sbin.broker_token) == (
        1,
        Decimal("0.05"),
        True,
        "3045",
    )
    fut = await anon.get_instrument(NIFTY_FUT)
    assert (fut.lot_size, str(fut.expiry), fut.underlying) == (75, "2030-12-26", "NIFTY")
    weekly = await anon.get_instrument(SymbolRef.parse("NFO:NIFTY19DEC3021500CE"))
    assert weekly.strike == Decimal(21500)
    index = await anon.get_instrument(SymbolRef.parse("NSE_INDEX:NIFTY"))
    assert not index.tradable
    assert not (await anon.get_instrument(SymbolRef.parse("NSE:SUSPCO"))).tradable
    with pytest.raises(InstrumentNotFound):
        await anon.get_instrument(SymbolRef.parse("NSE:NOSUCH"))
    found = await anon.search_instruments("NIFTY", limit=3)
    assert len(found) == 3
    assert all("NIFTY" in i.symbol for i in found)


# -- orders ----------------------------------------------------------------------------------
async def test_place_get_list_and_find_by_tag(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(), TAG)
    assert ack.order_id.isdigit()
    assert harness.broker.calls[-1] == ("POST", "/openapi/typea/orders/regular")
    form = harness.broker.forms[-1]
    assert (form["tag"], form["tradingsymbol"], form["price"]) == (TAG, "SBIN-EQ", "700.00")
    order = await adapter.get_order(ack.order_id)
    assert (order.status, order.tag, order.symbol, order.price) == (
        OrderStatus.OPEN,
        TAG,
        "SBIN",
        Decimal("700.0"),
    )
    assert [o.order_id for o in await adapter.list_orders()] == [ack.order_id]
    assert [o.order_id for o in await adapter.find_orders_by_tag(TAG)] == [ack.order_id]
    assert await adapter.find_orders_by_tag(order_tag("tests", "other", "0")) == []


async def test_market_order_fills(adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(market(), TAG)
    order = await adapter.get_order(ack.order_id)
    assert (order.status, order.filled_quantity, order.average_price) == (
        OrderStatus.FILLED,
        5,
        Decimal("800.0"),
    )


async def test_amo_order(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(amo=True), TAG)
    assert harness.broker.calls[-1] == ("POST", "/openapi/typea/orders/amo")
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.PENDING


async def test_stop_order_waits_for_its_trigger(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    order = OrderRequest(
        exchange=Exchange.NFO,
        symbol="NIFTY26DEC30FUT",
        side=Side.BUY,
        quantity=75,
        order_type=OrderType.SL,
        product=Product.NRML,
        price=Decimal("21700"),
        trigger_price=Decimal("21650"),
    )
    ack = await adapter.place_order(order, TAG)
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.TRIGGER_PENDING
    harness.broker.book.set_last_price("NFO", "NIFTY30DECFUT", Decimal("21660"))
    filled = await adapter.get_order(ack.order_id)
    assert (filled.status, filled.product) == (OrderStatus.FILLED, Product.NRML)


async def test_insufficient_funds_is_a_rejected_order(adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(quantity=5000), TAG)
    order = await adapter.get_order(ack.order_id)
    assert order.status is OrderStatus.REJECTED
    assert "FUND LIMIT INSUFFICIENT" in order.status_message


async def test_place_refuses_unknown_untradable_and_bad_tags(adapter: MiraeAdapter) -> None:
    with pytest.raises(InstrumentNotFound):
        await adapter.place_order(resting(symbol="NOSUCH"), TAG)
    with pytest.raises(InvalidRequest, match="not tradable"):
        await adapter.place_order(resting(symbol="SUSPCO", price=Decimal(10)), TAG)
    with pytest.raises(InvalidRequest, match="tag"):
        await adapter.place_order(resting(), "not-a-tag")


async def test_broker_validation_error(adapter: MiraeAdapter) -> None:
    with pytest.raises(InvalidRequest, match="tick size"):
        await adapter.place_order(resting(price=Decimal("700.03")), TAG)


async def test_modify_resends_every_field(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(), TAG)
    modified = await adapter.modify_order(ack.order_id, OrderModification(price=Decimal("710")))
    assert modified.order_id == ack.order_id
    assert harness.broker.calls[-1] == ("PUT", f"/openapi/typea/orders/regular/{ack.order_id}")
    # Every field of the modify form the official SDK sends, and nothing else.
    assert harness.broker.forms[-1] == {
        "order_type": "LIMIT",
        "quantity": "2",
        "price": "710",
        "trigger_price": "0",
        "validity": "DAY",
        "disclosed_quantity": "0",
    }
    await adapter.modify_order(ack.order_id, OrderModification(quantity=4))
    order = await adapter.get_order(ack.order_id)
    assert (order.price, order.quantity, order.status) == (Decimal("710.0"), 4, OrderStatus.OPEN)


async def test_modify_to_a_marketable_price_fills(adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(), TAG)
    await adapter.modify_order(ack.order_id, OrderModification(order_type=OrderType.MARKET))
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.FILLED


async def test_cancel(adapter: MiraeAdapter) -> None:
    ack = await adapter.place_order(resting(), TAG)
    cancelled = await adapter.cancel_order(ack.order_id)
    assert cancelled.order_id == ack.order_id
    assert (await adapter.get_order(ack.order_id)).status is OrderStatus.CANCELLED
    with pytest.raises(OrderRejected, match="Cancelled"):
        await adapter.cancel_order(ack.order_id)
    with pytest.raises(OrderRejected):
        await adapter.modify_order(ack.order_id, OrderModification(quantity=1))


async def test_unknown_orders(adapter: MiraeAdapter) -> None:
    with pytest.raises(OrderNotFound):
        await adapter.cancel_order("999")
    with pytest.raises(OrderNotFound):
        await adapter.get_order("999")
    with pytest.raises(OrderNotFound):
        await adapter.modify_order("999", OrderModification(quantity=1))
    with pytest.raises(OrderNotFound):
        await adapter.cancel_order("../orders")


# -- faults ----------------------------------------------------------------------------------
async def test_forced_rate_limit(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    harness.rate_limit_next(3.0)
    with pytest.raises(RateLimited) as info:
        await adapter.place_order(resting(), TAG)
    assert info.value.retry_after == 3.0
    assert await adapter.find_orders_by_tag(TAG) == []


async def test_order_quota_of_30_per_second(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, clock=lambda: 1000.0)
    adapter = harness.create_adapter()
    await harness.login(adapter)
    for leg in range(30):
        await adapter.place_order(resting(), order_tag("quota", "k", str(leg)))
    with pytest.raises(RateLimited) as info:
        await adapter.place_order(resting(), order_tag("quota", "k", "30"))
    assert info.value.retry_after == 1.0
    assert len(await adapter.list_orders()) == 30  # reads are not order APIs
    await adapter.aclose()


async def test_lost_reply_is_outcome_unknown_and_the_tag_finds_the_order(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    harness.broker.switches.drop_replies = 1
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(resting(), TAG)
    [order] = await adapter.find_orders_by_tag(TAG)
    assert (order.status, order.quantity) == (OrderStatus.OPEN, 2)


async def test_slow_reply_after_the_order_took_effect(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter(read_timeout=0.05)
    await harness.login(adapter)
    harness.broker.switches.latency = 0.3
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(resting(), TAG)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_funds()
    harness.broker.switches.latency = 0.0
    assert len(await adapter.find_orders_by_tag(TAG)) == 1
    await adapter.aclose()


async def test_server_failure(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    harness.broker.switches.fail_next = 2
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(resting(), TAG)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_holdings()
    assert await adapter.find_orders_by_tag(TAG) == []


async def test_refused_connection_is_unavailable(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    harness.broker.switches.refuse_connections = True
    with pytest.raises(BrokerUnavailable):
        await adapter.place_order(resting(), TAG)
    with pytest.raises(BrokerUnavailable):
        await adapter.list_orders()


async def test_static_ip_refusal(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    harness.broker.switches.static_ip_mismatch = True
    with pytest.raises(IpNotWhitelisted, match="IP Address"):
        await adapter.place_order(resting(), TAG)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_over_loopback(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    session = adapter.session
    settings = harness.settings(base_url=f"http://127.0.0.1:{_closed_port()}")
    offline = MiraeAdapter(settings, AdapterContext(account="x", data_dir=harness.data_dir))
    offline.restore_session(session)
    with pytest.raises(BrokerUnavailable):
        await offline.get_funds()
    with pytest.raises(BrokerUnavailable):
        await offline.place_order(resting(), TAG)
    with pytest.raises(BrokerUnavailable):
        await offline.begin_login()
    await offline.aclose()
