"""The neutral fake matching engine: book, fills, funds, positions, holdings, stop
triggers on the correct side of the last price, and risk rejections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.domain import OrderType, Product, Side
from ordo_testing.matching import (
    EngineError,
    HoldingLot,
    Listing,
    MatchingEngine,
    OrderState,
    OrderTicket,
    RejectReason,
)

D = Decimal


def engine(cash: str = "100000", holdings: tuple[HoldingLot, ...] = ()) -> MatchingEngine:
    return MatchingEngine(
        [
            Listing("SBIN", D("700.00")),
            Listing("NIFTYFUT", D("21500.00"), lot_size=50, tick_size=D("0.05")),
            Listing("FROZEN", D("10.00"), tradable=False),
        ],
        cash=D(cash),
        holdings=holdings,
    )


def ticket(
    side: Side = Side.BUY,
    quantity: int = 10,
    order_type: OrderType = OrderType.LIMIT,
    price: str | None = "690.00",
    trigger: str | None = None,
    product: Product = Product.CNC,
    key: str = "SBIN",
    tag: str | None = None,
) -> OrderTicket:
    return OrderTicket(
        key=key,
        side=side,
        quantity=quantity,
        order_type=order_type,
        product=product,
        price=D(price) if price is not None else None,
        trigger_price=D(trigger) if trigger is not None else None,
        tag=tag,
    )


def test_market_order_fills_at_the_last_price_and_moves_funds_and_positions() -> None:
    e = engine()
    order = e.place(ticket(order_type=OrderType.MARKET, price=None))
    assert order.state is OrderState.FILLED
    assert (order.filled_quantity, order.average_price) == (10, D("700.00"))
    [fill] = e.fills_of(order.order_id)
    assert (fill.quantity, fill.price, fill.side) == (10, D("700.00"), Side.BUY)
    funds = e.funds()
    assert funds.used == D("7000.00")
    assert funds.available == D("93000.00")
    [position] = e.open_positions()
    assert (position.net_quantity, position.average_buy) == (10, D("700.00"))


def test_resting_limit_blocks_funds_then_fills_at_its_price_when_reached() -> None:
    e = engine()
    order = e.place(ticket(price="690.00", tag="T1"))
    assert order.state is OrderState.OPEN
    assert e.funds().blocked == D("6900.00")
    assert e.orders_tagged("T1") == [order]
    assert e.set_price("SBIN", D("695.00")) == []
    [fill] = e.set_price("SBIN", D("688.00"))
    assert (fill.price, order.state) == (D("690.00"), OrderState.FILLED)
    assert e.funds().blocked == D(0)
    assert e.funds().available == D("93100.00")


def test_marketable_limit_fills_on_arrival_at_the_last_price() -> None:
    e = engine()
    order = e.place(ticket(price="710.00"))
    assert (order.state, order.average_price) == (OrderState.FILLED, D("700.00"))
    sell = e.place(ticket(side=Side.SELL, price="650.00"))
    assert (sell.state, sell.average_price) == (OrderState.FILLED, D("700.00"))


@pytest.mark.parametrize(
    ("side", "trigger", "accepted"),
    [
        (Side.BUY, "705.00", True),  # a buy stop sits above the market
        (Side.BUY, "700.00", False),
        (Side.BUY, "695.00", False),
        (Side.SELL, "695.00", True),  # a sell stop sits below it
        (Side.SELL, "700.00", False),
        (Side.SELL, "705.00", False),
    ],
)
def test_stop_trigger_must_be_on_the_correct_side_of_the_last_price(
    side: Side, trigger: str, accepted: bool
) -> None:
    e = engine(holdings=(HoldingLot("SBIN", 100, D("500")),))
    order = e.place(ticket(side=side, order_type=OrderType.SL_M, price=None, trigger=trigger))
    if accepted:
        assert order.state is OrderState.TRIGGER_PENDING
    else:
        assert order.state is OrderState.REJECTED
        assert "RMS" in order.reason
        assert "last price" in order.reason


def test_sl_m_fires_at_the_market_when_the_trigger_is_reached() -> None:
    e = engine()
    order = e.place(ticket(order_type=OrderType.SL_M, price=None, trigger="710.00"))
    assert e.set_price("SBIN", D("709.95")) == []
    [fill] = e.set_price("SBIN", D("712.00"))
    assert (order.state, fill.price) == (OrderState.FILLED, D("712.00"))


def test_stop_limit_rests_after_its_trigger_until_its_price_is_reached() -> None:
    e = engine(holdings=(HoldingLot("SBIN", 10, D("500")),))
    order = e.place(
        ticket(side=Side.SELL, order_type=OrderType.SL, price="680.00", trigger="690.00")
    )
    assert order.state is OrderState.TRIGGER_PENDING
    [fill] = e.set_price("SBIN", D("685.00"))  # triggered; 680 limit is marketable at 685
    assert (order.state, fill.price) == (OrderState.FILLED, D("685.00"))


def test_stop_limit_prices_must_bracket_the_trigger() -> None:
    with pytest.raises(EngineError) as caught:
        engine().place(ticket(order_type=OrderType.SL, price="700.00", trigger="705.00"))
    assert caught.value.reason is RejectReason.BAD_PRICE


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"key": "NOPE"}, RejectReason.UNKNOWN_INSTRUMENT),
        ({"key": "FROZEN", "price": "10.00"}, RejectReason.NOT_TRADABLE),
        ({"quantity": 0}, RejectReason.BAD_QUANTITY),
        ({"key": "NIFTYFUT", "quantity": 75, "price": "21500.00"}, RejectReason.LOT_SIZE),
        ({"price": "690.03"}, RejectReason.TICK_SIZE),
        ({"price": None}, RejectReason.BAD_PRICE),
        ({"order_type": OrderType.SL_M, "price": None}, RejectReason.BAD_PRICE),
    ],
)
def test_malformed_requests_are_refused(changes: dict[str, object], reason: RejectReason) -> None:
    e = engine()
    with pytest.raises(EngineError) as caught:
        e.place(ticket(**changes))  # type: ignore[arg-type]
    assert caught.value.reason is reason
    assert e.orders == {}


def test_rms_rejects_an_order_beyond_the_funds_into_the_book() -> None:
    e = engine(cash="5000")
    order = e.place(ticket(quantity=10, price="690.00"))
    assert order.state is OrderState.REJECTED
    assert "RMS" in order.reason
    assert "exceeds available funds" in order.reason
    assert e.orders[order.order_id] is order
    assert e.funds().blocked == D(0)
    # Intraday needs a fifth of the value.
    intraday = e.place(ticket(quantity=10, price="690.00", product=Product.MIS))
    assert intraday.state is OrderState.OPEN
    assert e.funds().blocked == D("1380.00")


def test_delivery_sell_needs_free_holdings() -> None:
    e = engine(holdings=(HoldingLot("SBIN", 15, D("500")),))
    first = e.place(ticket(side=Side.SELL, quantity=10, price="710.00"))
    assert first.state is OrderState.OPEN
    second = e.place(ticket(side=Side.SELL, quantity=10, price="710.00"))
    assert second.state is OrderState.REJECTED
    assert "5 are free to sell" in second.reason
    filled = e.place(ticket(side=Side.SELL, quantity=5, order_type=OrderType.MARKET, price=None))
    assert filled.state is OrderState.FILLED
    assert e.funds().available == D("103500.00")  # sale proceeds are cash


def test_intraday_round_trip_realizes_profit_and_releases_margin() -> None:
    e = engine()
    e.place(ticket(order_type=OrderType.MARKET, price=None, product=Product.MIS))
    assert e.funds().used == D("1400.00")
    e.set_price("SBIN", D("720.00"))
    e.place(ticket(side=Side.SELL, order_type=OrderType.MARKET, price=None, product=Product.MIS))
    [position] = e.open_positions()
    assert (position.net_quantity, position.realized) == (0, D("200.00"))
    funds = e.funds()
    assert (funds.used, funds.realized, funds.available) == (D(0), D("200.00"), D("100200.00"))


def test_unrealized_profit_follows_the_last_price() -> None:
    e = engine()
    e.place(ticket(side=Side.SELL, order_type=OrderType.MARKET, price=None, product=Product.MIS))
    [position] = e.open_positions()
    assert position.unrealized(D("690.00")) == D("100.00")


def test_modify_reprices_and_can_fill_and_is_checked_like_a_new_order() -> None:
    e = engine(cash="10000")
    order = e.place(ticket(quantity=10, price="690.00"))
    with pytest.raises(EngineError) as caught:
        e.modify(order.order_id, quantity=20)
    assert caught.value.reason is RejectReason.INSUFFICIENT_FUNDS
    assert order.quantity == 10
    with pytest.raises(EngineError) as tick:
        e.modify(order.order_id, price=D("690.01"))
    assert tick.value.reason is RejectReason.TICK_SIZE
    e.modify(order.order_id, price=D("705.00"))
    assert (order.state, order.average_price) == (OrderState.FILLED, D("700.00"))
    with pytest.raises(EngineError) as done:
        e.modify(order.order_id, price=D("700.00"))
    assert done.value.reason is RejectReason.NOT_OPEN


def test_modify_into_a_stop_checks_the_trigger_side() -> None:
    e = engine()
    order = e.place(ticket(price="690.00"))
    with pytest.raises(EngineError) as caught:
        e.modify(order.order_id, order_type=OrderType.SL_M, trigger_price=D("695.00"))
    assert caught.value.reason is RejectReason.TRIGGER_SIDE
    e.modify(order.order_id, order_type=OrderType.SL_M, trigger_price=D("705.00"))
    assert (order.state, order.price) == (OrderState.TRIGGER_PENDING, None)


def test_cancel_only_live_orders() -> None:
    e = engine()
    order = e.place(ticket(price="690.00"))
    assert e.cancel(order.order_id).state is OrderState.CANCELLED
    assert e.funds().blocked == D(0)
    with pytest.raises(EngineError) as again:
        e.cancel(order.order_id)
    assert again.value.reason is RejectReason.NOT_OPEN
    with pytest.raises(EngineError) as unknown:
        e.cancel("999")
    assert unknown.value.reason is RejectReason.UNKNOWN_ORDER


def test_ids_come_from_the_fake() -> None:
    ids = iter(["FY-1", "FY-2"])
    e = MatchingEngine([Listing("SBIN", D(700))], order_ids=lambda: next(ids))
    assert e.place(ticket(price="690.00")).order_id == "FY-1"
    assert e.place(ticket(price="690.00")).order_id == "FY-2"


def test_after_market_orders_wait_for_the_open() -> None:
    e = engine()
    held = OrderTicket(
        key="SBIN",
        side=Side.BUY,
        quantity=10,
        order_type=OrderType.MARKET,
        after_market=True,
    )
    order = e.place(held)
    assert (order.state, order.filled_quantity) == (OrderState.OPEN, 0)
    assert e.funds().blocked == D("7000.00")
    assert e.set_price("SBIN", D("705.00")) == []
    [fill] = e.open_market()
    assert (fill.price, order.state, order.after_market) == (D("705.00"), OrderState.FILLED, False)


def test_a_listing_margin_rate_overrides_the_product_rate() -> None:
    e = MatchingEngine(
        [Listing("NIFTYFUT", D("20000.00"), lot_size=50, margin_rate=D("0.1"))], cash=D("150000")
    )
    order = e.place(ticket(key="NIFTYFUT", quantity=50, price="19990.00", product=Product.NRML))
    assert order.state is OrderState.OPEN
    assert e.funds().blocked == D("99950.000")
    too_big = e.place(ticket(key="NIFTYFUT", quantity=50, price="19990.00", product=Product.NRML))
    assert too_big.state is OrderState.REJECTED
    e.cancel(order.order_id)
    e.place(
        ticket(
            key="NIFTYFUT",
            quantity=50,
            order_type=OrderType.MARKET,
            price=None,
            product=Product.NRML,
        )
    )
    assert e.funds().used == D("100000.000")


# -- hooks for broker quirks ---------------------------------------------------------------
def test_ioc_that_cannot_trade_on_arrival_is_cancelled() -> None:
    e = engine()
    rests = e.place(OrderTicket("SBIN", Side.BUY, 1, OrderType.LIMIT, price=D("690.00")))
    ioc = e.place(
        OrderTicket(
            "SBIN", Side.BUY, 1, OrderType.LIMIT, price=D("690.00"), immediate_or_cancel=True
        )
    )
    fills = e.place(
        OrderTicket(
            "SBIN", Side.BUY, 1, OrderType.LIMIT, price=D("705.00"), immediate_or_cancel=True
        )
    )
    assert (rests.state, ioc.state, fills.state) == (
        OrderState.OPEN,
        OrderState.CANCELLED,
        OrderState.FILLED,
    )
    assert e.set_price("SBIN", D("689.00"))[0].order_id == rests.order_id


def test_broker_products_keep_positions_apart_and_carry_their_own_rate() -> None:
    e = MatchingEngine(
        [Listing("SBIN", D("700.00"))], cash=D("100000"), product_rates={"MTF": D("0.5")}
    )
    e.place(OrderTicket("SBIN", Side.BUY, 2, OrderType.MARKET, Product.MIS, book_product="CO"))
    e.place(OrderTicket("SBIN", Side.BUY, 3, OrderType.MARKET, Product.MIS, book_product="BO"))
    books = {(p.book_product, p.net_quantity) for p in e.open_positions()}
    assert books == {("CO", 2), ("BO", 3)}
    assert {f.book_product for f in e.fills} == {"CO", "BO"}
    mtf = OrderTicket("SBIN", Side.BUY, 10, OrderType.LIMIT, price=D("600.00"), book_product="MTF")
    assert e.required_margin(mtf) == D("3000.00")
    placed = e.place(mtf)
    assert e.margin_for(placed) == D("3000.00")


def test_booked_refusals_enter_the_book_as_rejected() -> None:
    e = MatchingEngine(
        [Listing("FROZEN", D("10.00"), tradable=False), Listing("SBIN", D("700.00"))],
        booked_refusals=(RejectReason.NOT_TRADABLE,),
    )
    order = e.place(OrderTicket("FROZEN", Side.BUY, 1, OrderType.MARKET))
    assert (order.state, order.reject_reason) == (OrderState.REJECTED, RejectReason.NOT_TRADABLE)
    assert e.orders == {order.order_id: order}
    with pytest.raises(EngineError) as refused:  # other refusals still refuse the request
        e.place(OrderTicket("SBIN", Side.BUY, 0, OrderType.MARKET))
    assert refused.value.reason is RejectReason.BAD_QUANTITY


def test_holdings_check_can_be_switched_off() -> None:
    strict = engine()
    lenient = MatchingEngine([Listing("SBIN", D("700.00"))], check_holdings=False)
    sell = OrderTicket("SBIN", Side.SELL, 1, OrderType.MARKET)
    rejected = strict.place(sell)
    assert rejected.reject_reason is RejectReason.INSUFFICIENT_HOLDINGS
    assert lenient.place(sell).state is OrderState.FILLED


def test_check_refuses_without_placing_and_a_fake_may_number_its_orders() -> None:
    e = engine()
    with pytest.raises(EngineError) as refused:
        e.check(OrderTicket("SBIN", Side.BUY, 1, OrderType.LIMIT, price=D("690.03")))
    assert refused.value.reason is RejectReason.TICK_SIZE
    e.check(OrderTicket("SBIN", Side.BUY, 1, OrderType.LIMIT, price=D("690.05")))
    assert e.orders == {}
    own = e.place(OrderTicket("SBIN", Side.BUY, 1, OrderType.MARKET, order_id="24120300000007"))
    assert own.order_id == "24120300000007"
    assert e.fills[0].order_id == "24120300000007"
    with pytest.raises(EngineError) as margin:
        e.required_margin(OrderTicket("NIFTYFUT", Side.BUY, 10, OrderType.MARKET))
    assert margin.value.reason is RejectReason.LOT_SIZE


def test_modify_to_replaces_quantity_prices_and_type() -> None:
    e = engine()
    order = e.place(ticket(quantity=2))
    changed = e.modify_to(
        order.order_id,
        OrderTicket(
            "SBIN", Side.BUY, 3, OrderType.SL, price=D("712.00"), trigger_price=D("710.00")
        ),
    )
    assert (changed.quantity, changed.order_type, changed.price, changed.trigger_price) == (
        3,
        OrderType.SL,
        D("712.00"),
        D("710.00"),
    )
    assert changed.state is OrderState.TRIGGER_PENDING
