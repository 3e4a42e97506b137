"""Order matching, modification, cancellation and rejection in the PaperBroker."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from ordo.adapters.errors import (
    InstrumentNotFound,
    InsufficientFunds,
    InvalidRequest,
    OrderNotFound,
    OrderRejected,
)
from ordo.domain import (
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Product,
    Side,
    Validity,
)
from ordo_adapter_mock import PaperBroker

Req = Callable[..., OrderRequest]
D = Decimal


def test_market_order_fills_at_last_price(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(make_request(quantity=5), tag="T1")
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 5
    assert order.average_price == D("800")
    assert order.order_id == "PB0000000001"
    [trade] = broker.trades()
    assert (trade.order_id, trade.quantity, trade.price, trade.tag) == (
        order.order_id,
        5,
        D("800"),
        "T1",
    )


def test_marketable_limit_fills_at_the_better_last_price(
    broker: PaperBroker, make_request: Req
) -> None:
    order = broker.place(make_request(order_type=OrderType.LIMIT, price="810"))
    assert order.status is OrderStatus.FILLED
    assert order.average_price == D("800")


def test_resting_buy_limit_fills_at_its_limit_when_crossed(
    broker: PaperBroker, make_request: Req
) -> None:
    order = broker.place(make_request(order_type=OrderType.LIMIT, price="790"))
    assert order.status is OrderStatus.OPEN
    broker.set_price("NSE:SBIN", "795")
    assert broker.order(order.order_id).status is OrderStatus.OPEN
    broker.set_price("NSE:SBIN", "785")  # gaps through the limit
    filled = broker.order(order.order_id)
    assert filled.status is OrderStatus.FILLED
    assert filled.average_price == D("790")


def test_resting_sell_limit_fills_when_price_rises(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10))
    sell = broker.place(
        make_request(side=Side.SELL, quantity=10, order_type=OrderType.LIMIT, price="820")
    )
    assert sell.status is OrderStatus.OPEN
    broker.set_price("NSE:SBIN", "820")
    assert broker.order(sell.order_id).status is OrderStatus.FILLED
    assert broker.order(sell.order_id).average_price == D("820")


def test_sell_sl_m_triggers_and_fills_at_market(broker: PaperBroker, make_request: Req) -> None:
    broker.place(make_request(quantity=10))
    stop = broker.place(
        make_request(side=Side.SELL, quantity=10, order_type=OrderType.SL_M, trigger="780")
    )
    assert stop.status is OrderStatus.TRIGGER_PENDING
    broker.set_price("NSE:SBIN", "781")
    assert broker.order(stop.order_id).status is OrderStatus.TRIGGER_PENDING
    broker.set_price("NSE:SBIN", "776.5")
    done = broker.order(stop.order_id)
    assert done.status is OrderStatus.FILLED
    assert done.average_price == D("776.5")


def test_buy_sl_triggers_then_rests_as_limit(broker: PaperBroker, make_request: Req) -> None:
    stop = broker.place(
        make_request(order_type=OrderType.SL, trigger="810", price="812", product=Product.MIS)
    )
    assert stop.status is OrderStatus.TRIGGER_PENDING
    broker.set_price("NSE:SBIN", "815")  # triggers, but the limit 812 is below the market
    assert broker.order(stop.order_id).status is OrderStatus.OPEN
    broker.set_price("NSE:SBIN", "811")
    done = broker.order(stop.order_id)
    assert done.status is OrderStatus.FILLED
    assert done.average_price == D("812")


def test_buy_sl_that_triggers_inside_its_limit_fills_at_market(
    broker: PaperBroker, make_request: Req
) -> None:
    stop = broker.place(make_request(order_type=OrderType.SL, trigger="810", price="815"))
    broker.set_price("NSE:SBIN", "811")
    assert broker.order(stop.order_id).average_price == D("811")


@pytest.mark.parametrize(
    ("side", "trigger"), [(Side.BUY, "800"), (Side.BUY, "790"), (Side.SELL, "805")]
)
def test_stop_on_the_wrong_side_is_rejected(
    broker: PaperBroker, make_request: Req, side: Side, trigger: str
) -> None:
    with pytest.raises(OrderRejected) as caught:
        broker.place(
            make_request(side=side, order_type=OrderType.SL_M, trigger=trigger, product=Product.MIS)
        )
    assert caught.value.broker_code == "TRIGGER"


def test_ioc_limit_that_cannot_trade_is_cancelled(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(
        make_request(order_type=OrderType.LIMIT, price="700", validity=Validity.IOC)
    )
    assert order.status is OrderStatus.CANCELLED
    assert broker.funds().used == 0


def test_amo_waits_for_the_next_session(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(make_request(quantity=2, amo=True))
    assert order.status is OrderStatus.PENDING
    assert broker.funds().used == D("1600")
    broker.set_price("NSE:SBIN", "790")
    assert broker.order(order.order_id).status is OrderStatus.PENDING
    [released] = broker.release_amo()
    assert released.status is OrderStatus.FILLED
    assert released.average_price == D("790")


def test_cancel_open_order_releases_funds(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(make_request(quantity=10, order_type=OrderType.LIMIT, price="700"))
    assert broker.funds().used == D("7000")
    cancelled = broker.cancel(order.order_id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert broker.funds().used == 0
    broker.set_price("NSE:SBIN", "650")
    assert broker.order(order.order_id).status is OrderStatus.CANCELLED


def test_closed_orders_cannot_be_cancelled_or_modified(
    broker: PaperBroker, make_request: Req
) -> None:
    order = broker.place(make_request())
    with pytest.raises(OrderRejected, match="FILLED"):
        broker.cancel(order.order_id)
    with pytest.raises(OrderRejected) as caught:
        broker.modify(order.order_id, OrderModification(quantity=2))
    assert caught.value.broker_code == "ORDER_CLOSED"
    with pytest.raises(OrderNotFound):
        broker.cancel("PB9999999999")


def test_modify_price_and_quantity(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(make_request(quantity=10, order_type=OrderType.LIMIT, price="700"))
    changed = broker.modify(order.order_id, OrderModification(quantity=20, price=D("750")))
    assert (changed.quantity, changed.price, changed.status) == (20, D("750"), OrderStatus.OPEN)
    assert broker.funds().used == D("15000")
    crossed = broker.modify(order.order_id, OrderModification(price=D("805")))
    assert crossed.status is OrderStatus.FILLED
    assert crossed.average_price == D("800")


def test_modify_limit_to_market_fills(broker: PaperBroker, make_request: Req) -> None:
    order = broker.place(make_request(order_type=OrderType.LIMIT, price="700"))
    done = broker.modify(order.order_id, OrderModification(order_type=OrderType.MARKET))
    assert (done.status, done.price, done.average_price) == (OrderStatus.FILLED, None, D("800"))


def test_refused_modification_leaves_the_order_alone(
    broker: PaperBroker, make_request: Req
) -> None:
    order = broker.place(make_request(quantity=10, order_type=OrderType.LIMIT, price="700"))
    with pytest.raises(OrderRejected) as caught:
        broker.modify(order.order_id, OrderModification(price=D("700.03")))
    assert caught.value.broker_code == "TICK_SIZE"
    with pytest.raises(InsufficientFunds):
        broker.modify(order.order_id, OrderModification(quantity=1000))
    with pytest.raises(InvalidRequest):
        broker.modify(order.order_id, OrderModification(order_type=OrderType.SL))
    assert broker.order(order.order_id) == order
    assert broker.funds().used == D("7000")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"symbol": "DHFL"}, "NOT_TRADABLE"),
        ({"symbol": "NIFTY", "exchange": "NSE_INDEX", "product": Product.MIS}, "NOT_TRADABLE"),
        (
            {
                "symbol": "NIFTY28JAN25FUT",
                "exchange": "NFO",
                "quantity": 50,
                "product": Product.NRML,
            },
            "LOT_SIZE",
        ),
        ({"order_type": OrderType.LIMIT, "price": "799.97"}, "TICK_SIZE"),
        ({"symbol": "NIFTY28JAN25FUT", "exchange": "NFO", "quantity": 75}, "PRODUCT"),
        ({"product": Product.NRML}, "PRODUCT"),
        ({"side": Side.SELL}, "HOLDINGS"),
        ({"quantity": 10, "disclosed_quantity": 20}, "DISCLOSED_QUANTITY"),
        (
            {"order_type": OrderType.SL, "trigger": "810", "price": "805"},
            "PRICE",
        ),
    ],
)
def test_rms_rejections_are_booked(
    broker: PaperBroker, make_request: Req, overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(OrderRejected) as caught:
        broker.place(make_request(**overrides), tag="REJ1")
    assert caught.value.broker_code == code
    [order] = broker.orders_by_tag("REJ1")
    assert order.status is OrderStatus.REJECTED
    assert order.order_id in str(caught.value)
    assert order.status_message
    assert order.status_message in str(caught.value)
    assert broker.funds().used == 0
    assert broker.trades() == []


def test_insufficient_funds_is_booked_and_raised(broker: PaperBroker, make_request: Req) -> None:
    with pytest.raises(InsufficientFunds, match=r"needs INR 160000\.00, available INR 100000\.00"):
        broker.place(make_request(quantity=200), tag="BIG")
    assert broker.orders_by_tag("BIG")[0].status is OrderStatus.REJECTED


def test_unknown_instrument_is_not_booked(broker: PaperBroker, make_request: Req) -> None:
    with pytest.raises(InstrumentNotFound):
        broker.place(make_request(symbol="NOSUCH"))
    assert broker.orders() == []


def test_derivative_lot_order_fills(make_request: Req) -> None:
    paper = PaperBroker(seed=1, starting_cash=D("5000000"), as_of=None)
    future = next(
        i for i in paper.instruments() if i.symbol.startswith("NIFTY") and i.symbol.endswith("FUT")
    )
    paper.set_price(future.ref, "23500")
    order = paper.place(
        make_request(symbol=future.symbol, exchange="NFO", quantity=150, product=Product.NRML)
    )
    assert order.status is OrderStatus.FILLED
    assert paper.funds().available == D("5000000") - D("23500") * 150


def test_tags_find_every_order_carrying_them(broker: PaperBroker, make_request: Req) -> None:
    first = broker.place(make_request(quantity=1), tag="SAME")
    second = broker.place(make_request(quantity=1), tag="SAME")
    broker.place(make_request(quantity=1), tag="OTHER")
    assert [o.order_id for o in broker.orders_by_tag("SAME")] == [first.order_id, second.order_id]
    assert broker.orders_by_tag("NONE") == []


def test_resting_orders_fill_in_time_priority(broker: PaperBroker, make_request: Req) -> None:
    first = broker.place(make_request(quantity=1, order_type=OrderType.LIMIT, price="790"))
    second = broker.place(make_request(quantity=1, order_type=OrderType.LIMIT, price="795"))
    broker.set_price("NSE:SBIN", "780")
    trades = broker.trades()
    assert [t.order_id for t in trades] == [first.order_id, second.order_id]
    assert [t.price for t in trades] == [D("790"), D("795")]
