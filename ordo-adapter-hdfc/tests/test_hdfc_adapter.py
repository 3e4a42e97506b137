"""The adapter end to end against the fake: every operation and every fault."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from ordo.adapters.base import AdapterContext, RateScope
from ordo.adapters.errors import (
    BrokerUnavailable,
    InstrumentNotFound,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
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
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.mapping import tag_to_reference
from ordo_adapter_hdfc.testing import HdfcHarness

SBIN = SymbolRef.parse("NSE:SBIN")
OPTION = SymbolRef.parse("NFO:NIFTY31JAN3021500CE")


def _tag(leg: int = 0) -> str:
    return order_tag("hdfc-tests", "key", str(leg))


def _resting(quantity: int = 1, **changes: object) -> OrderRequest:
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


async def test_funds(hdfc: HdfcAdapter) -> None:
    funds = await hdfc.get_funds()
    assert (funds.available, funds.used, funds.total, funds.collateral) == (
        Decimal("100000.0"),
        Decimal("0.0"),
        Decimal("100000.0"),
        Decimal("2500.0"),
    )


async def test_margins_fallback_path(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(
        paths={"margins": ["/user/margins", "/oapi/v1/user/margins"]}
    )
    await hdfc_harness.login(adapter)
    assert (await adapter.get_funds()).total == Decimal("100000.0")
    await adapter.aclose()


async def test_holdings(hdfc: HdfcAdapter) -> None:
    holdings = await hdfc.get_holdings()
    assert [(h.exchange, h.symbol, h.quantity) for h in holdings] == [
        (Exchange.NSE, "SBIN", 10),
        (Exchange.NSE, "INF209K01YY7", 25),
    ]
    assert holdings[0].average_price == Decimal("520.5")


async def test_positions_and_trades_after_fills(hdfc: HdfcAdapter) -> None:
    assert await hdfc.get_positions() == []
    buy = OrderRequest(
        exchange=Exchange.NFO,
        symbol=OPTION.symbol,
        side=Side.BUY,
        quantity=100,
        product=Product.NRML,
    )
    sell = buy.model_copy(update={"side": Side.SELL, "quantity": 50})
    first = await hdfc.place_order(buy, _tag(0))
    second = await hdfc.place_order(sell, _tag(1))
    assert first.status is second.status is OrderStatus.FILLED
    [position] = await hdfc.get_positions()
    assert (position.exchange, position.symbol, position.product) == (
        Exchange.NFO,
        OPTION.symbol,
        Product.NRML,
    )
    assert (position.quantity, position.buy_quantity, position.sell_quantity) == (50, 100, 50)
    trades = await hdfc.get_trades()
    assert [(t.order_id, t.side, t.quantity, t.symbol) for t in trades] == [
        (first.order_id, Side.BUY, 100, OPTION.symbol),
        (second.order_id, Side.SELL, 50, OPTION.symbol),
    ]
    assert all(t.price > 0 for t in trades)


async def test_positions_fallback_path(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(
        paths={
            "positions": [
                "/oapi/v1/portfolio/overall_positions",
                "/oapi/v1/portfolio/cumulative-positions",
            ]
        }
    )
    await hdfc_harness.login(adapter)
    assert await adapter.get_positions() == []
    assert adapter._path_choice["positions"] == 1
    await adapter.aclose()
    broken = hdfc_harness.create_adapter(paths={"positions": ["/nope"]})
    await hdfc_harness.login(broken)
    with pytest.raises(InvalidRequest, match="positions"):
        await broken.get_positions()
    await broken.aclose()


async def test_quotes_in_batches(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(ltp_batch_size=2)
    await hdfc_harness.login(adapter)
    refs = [SBIN, OPTION, SymbolRef.parse("NSE_INDEX:NIFTY"), SymbolRef.parse("BSE:SBIN")]
    quotes = await adapter.get_quotes(refs)
    assert [f"{q.exchange.value}:{q.symbol}" for q in quotes] == [str(r) for r in refs]
    sbin = quotes[0]
    assert sbin.close == Decimal("812.35")
    assert sbin.last_price == Decimal("813.95")
    await adapter.aclose()


async def test_oversized_ltp_batch_is_refused_by_the_broker(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(ltp_batch_size=50)
    await hdfc_harness.login(adapter)
    refs = [
        SymbolRef.parse(s)
        for s in [
            "NSE:SBIN",
            "NSE:RELIANCE",
            "NSE:INFY",
            "NSE:WIPRO",
            "NSE:M&M",
            "NSE:BAJAJ-AUTO",
            "BSE:SBIN",
            "NSE_INDEX:NIFTY",
            "NSE_INDEX:BANKNIFTY",
            "BSE_INDEX:SENSEX",
            "NFO:NIFTY31JAN3021500CE",
        ]
    ]
    with pytest.raises(InvalidRequest, match="maximum 10"):
        await adapter.get_quotes(refs)
    await adapter.aclose()


async def test_unknown_symbol_quote_and_instrument(hdfc: HdfcAdapter) -> None:
    with pytest.raises(InstrumentNotFound):
        await hdfc.get_quotes([SymbolRef.parse("NSE:NOSUCH")])
    with pytest.raises(InstrumentNotFound):
        await hdfc.get_instrument(SymbolRef.parse("NFO:NIFTY31JAN3099999CE"))
    found = await hdfc.search_instruments("NIFTY", limit=3)
    assert found[0].symbol == "NIFTY"
    assert len(found) == 3


async def test_place_get_modify_cancel_and_tag(
    hdfc_harness: HdfcHarness, hdfc: HdfcAdapter
) -> None:
    tag = _tag()
    ack = await hdfc.place_order(_resting(quantity=2), tag)
    assert ack.status is OrderStatus.OPEN
    sent = hdfc_harness.broker.book.orders[ack.order_id].body
    assert sent["external_reference_number"] == int(tag_to_reference(tag))  # a JSON number
    assert (sent["transaction_type"], sent["product"], sent["security_id"]) == (
        "BUY",
        "DELIVERY",
        "SBIINDEQNR",
    )
    order = await hdfc.get_order(ack.order_id)
    assert (order.symbol, order.quantity, order.price, order.tag) == ("SBIN", 2, Decimal(700), tag)
    modified = await hdfc.modify_order(ack.order_id, OrderModification(quantity=3))
    assert modified.order_id == ack.order_id
    assert modified.status is OrderStatus.OPEN
    after = await hdfc.get_order(ack.order_id)
    assert (after.quantity, after.price, after.tag) == (3, Decimal(700), tag)
    cancelled = await hdfc.cancel_order(ack.order_id)
    assert cancelled.status is OrderStatus.CANCELLED
    [found] = await hdfc.find_orders_by_tag(tag)
    assert found.order_id == ack.order_id
    assert found.status is OrderStatus.CANCELLED
    assert await hdfc.find_orders_by_tag(_tag(9)) == []
    with pytest.raises(InvalidRequest, match="not an Ordo order tag"):
        await hdfc.find_orders_by_tag("my-own-tag")
    with pytest.raises(OrderRejected, match="not pending"):
        await hdfc.cancel_order(ack.order_id)
    with pytest.raises(OrderRejected, match="cannot be modified"):
        await hdfc.modify_order(ack.order_id, OrderModification(quantity=1))


async def test_stop_and_amo_orders_rest(hdfc: HdfcAdapter) -> None:
    stop = await hdfc.place_order(
        _resting(order_type=OrderType.SL, price=Decimal(900), trigger_price=Decimal(900)), _tag(0)
    )
    assert stop.status is OrderStatus.TRIGGER_PENDING
    assert (await hdfc.get_order(stop.order_id)).trigger_price == Decimal(900)
    amo = await hdfc.place_order(_resting(amo=True), _tag(1))
    assert amo.status is OrderStatus.PENDING
    listed = {o.order_id: o for o in await hdfc.list_orders()}
    assert set(listed) == {stop.order_id, amo.order_id}


async def test_silent_rms_rejection_becomes_order_rejected(
    hdfc_harness: HdfcHarness, hdfc: HdfcAdapter
) -> None:
    order = _resting(quantity=200, order_type=OrderType.MARKET, price=None)
    with pytest.raises(OrderRejected, match="Margin Exceeds"):
        await hdfc.place_order(order, _tag())
    [rejected] = await hdfc.find_orders_by_tag(_tag())
    assert rejected.status is OrderStatus.REJECTED
    assert len(hdfc_harness.broker.book.orders) == 1


async def test_without_poll_the_ack_is_pending(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(status_poll_attempts=0)
    await hdfc_harness.login(adapter)
    ack = await adapter.place_order(_resting(), _tag())
    assert ack.status is OrderStatus.PENDING
    await adapter.aclose()


@pytest.mark.parametrize(
    ("order", "error", "match"),
    [
        (_resting(price=Decimal("700.03")), InvalidRequest, "tick"),
        (_resting(product=Product.NRML), InvalidRequest, "NRML"),
        (
            OrderRequest(
                exchange=Exchange.NFO,
                symbol=OPTION.symbol,
                side=Side.BUY,
                quantity=7,
                product=Product.NRML,
            ),
            InvalidRequest,
            "lot size",
        ),
        (_resting(exchange=Exchange.NSE_INDEX, symbol="NIFTY"), InvalidRequest, "tradable"),
        (_resting(symbol="NOSUCH"), InstrumentNotFound, "NOSUCH"),
    ],
)
async def test_refused_orders(
    hdfc_harness: HdfcHarness,
    hdfc: HdfcAdapter,
    order: OrderRequest,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        await hdfc.place_order(order, _tag())
    assert hdfc_harness.broker.book.orders == {}


async def test_unknown_order_ids(hdfc: HdfcAdapter) -> None:
    for call in (
        hdfc.get_order("1"),
        hdfc.cancel_order("1"),
        hdfc.modify_order("1", OrderModification(quantity=1)),
    ):
        with pytest.raises(OrderNotFound):
            await call


async def test_expired_token_on_reads_and_writes(
    hdfc_harness: HdfcHarness, hdfc: HdfcAdapter
) -> None:
    hdfc_harness.expire_sessions()
    for call in (
        hdfc.get_funds(),
        hdfc.get_positions(),
        hdfc.get_trades(),
        hdfc.place_order(_resting(), _tag()),
    ):
        with pytest.raises(SessionExpired):
            await call
    assert hdfc_harness.broker.book.orders == {}


async def test_rate_limited_with_retry_after(hdfc_harness: HdfcHarness, hdfc: HdfcAdapter) -> None:
    hdfc_harness.rate_limit_next(retry_after=2.0)
    with pytest.raises(RateLimited) as info:
        await hdfc.place_order(_resting(), _tag())
    assert info.value.retry_after == 2.0
    assert info.value.retryable
    assert await hdfc.find_orders_by_tag(_tag()) == []


async def test_fake_enforces_ten_orders_per_second(tmp_path: object) -> None:
    from pathlib import Path

    from ordo_adapter_hdfc.fake import FakeConfig

    harness = HdfcHarness(Path(str(tmp_path)), FakeConfig(orders_per_second=10))
    adapter = harness.create_adapter(status_poll_attempts=0)
    await harness.login(adapter)
    for leg in range(10):
        await adapter.place_order(_resting(), _tag(leg))
    with pytest.raises(RateLimited):
        await adapter.place_order(_resting(), _tag(10))
    await adapter.aclose()
    await harness.aclose()


async def test_lost_reply_is_outcome_unknown_then_found_by_tag(
    hdfc_harness: HdfcHarness, hdfc: HdfcAdapter
) -> None:
    hdfc_harness.lose_next_reply()
    with pytest.raises(OutcomeUnknown):
        await hdfc.place_order(_resting(), _tag())
    fresh = hdfc_harness.create_adapter("restarted")
    await hdfc_harness.login(fresh)
    [found] = await fresh.find_orders_by_tag(_tag())
    assert found.tag == _tag()
    assert found.symbol == "SBIN"
    await fresh.aclose()


async def test_server_failure_reads_unavailable_writes_unknown(
    hdfc_harness: HdfcHarness, hdfc: HdfcAdapter
) -> None:
    hdfc_harness.broker.switches.fail_next = 503
    with pytest.raises(BrokerUnavailable):
        await hdfc.list_orders()
    hdfc_harness.broker.switches.fail_next = 502
    with pytest.raises(OutcomeUnknown):
        await hdfc.place_order(_resting(), _tag())
    ack = await hdfc.place_order(_resting(), _tag(1))
    hdfc_harness.broker.switches.fail_next = 504
    with pytest.raises(OutcomeUnknown):
        await hdfc.cancel_order(ack.order_id)


async def test_refused_connection_in_process(hdfc_harness: HdfcHarness, hdfc: HdfcAdapter) -> None:
    hdfc_harness.refuse_connections()
    with pytest.raises(BrokerUnavailable):
        await hdfc.get_funds()
    with pytest.raises(BrokerUnavailable):  # never sent, so not OutcomeUnknown
        await hdfc.place_order(_resting(), _tag())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_on_loopback(hdfc_harness: HdfcHarness, tmp_path: object) -> None:
    from pathlib import Path

    logged_in = hdfc_harness.create_adapter()
    session = await hdfc_harness.login(logged_in)
    settings = hdfc_harness.settings(base_url=f"http://127.0.0.1:{_closed_port()}")
    adapter = HdfcAdapter(settings, AdapterContext(account="x", data_dir=Path(str(tmp_path))))
    adapter.restore_session(session)
    with pytest.raises(BrokerUnavailable):
        await adapter.get_funds()
    with pytest.raises(BrokerUnavailable):
        await adapter.begin_login()
    with pytest.raises(BrokerUnavailable):
        await adapter.load_instruments()
    await adapter.aclose()
    await logged_in.aclose()


async def test_browser_user_agent_is_required(hdfc_harness: HdfcHarness) -> None:
    good = hdfc_harness.create_adapter()
    session = await hdfc_harness.login(good)
    bad = hdfc_harness.create_adapter(user_agent="python-httpx/0.28")
    bad.restore_session(session)
    with pytest.raises(SessionExpired, match="Forbidden"):
        await bad.get_funds()
    await good.aclose()
    await bad.aclose()


def test_declared_rate_limits(hdfc_harness: HdfcHarness) -> None:
    by_scope = {limit.scope: limit for limit in HdfcAdapter.declared_rate_limits}
    assert by_scope[RateScope.ORDERS].max_calls == 10
    assert by_scope[RateScope.ORDERS].period == 1
    assert by_scope[RateScope.READS].max_calls == 3
    slow = hdfc_harness.create_adapter(reads_per_second=0.5)
    reads = {limit.scope: limit for limit in slow.rate_limits}[RateScope.READS]
    assert (reads.max_calls, reads.period) == (1, 2.0)
