"""Orders area: place, the order book, one order's history, cancel, modify, stop orders,
AMO and the orders that exit open positions."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import InvalidRequest, OrderNotFound, OrderRejected
from ordo.domain import (
    Order,
    OrderAck,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Product,
    Side,
    reduces_exposure,
)
from ordo.domain.algo import AlgoTag

from ordo_testing.compliance.checks import (
    assert_domain,
    assert_domain_list,
    assert_matches_request,
    assert_open,
    make_tag,
    one_with_id,
    require,
    resting_buy,
    verifies,
)
from ordo_testing.harness import SampleInstruments

UNKNOWN_ORDER_ID = "990000000000001"
"""An id no fake issues: shaped like a broker id so only the lookup can refuse it."""


def _ack(value: object) -> OrderAck:
    ack = assert_domain(value, OrderAck)
    assert ack.order_id.strip(), "the ack carries no order_id"
    return ack


@pytest.mark.asyncio
class OrdersSuite:
    """An order placed is in the book as sent, with its tag, and changes as asked."""

    @verifies(Capability.PLACE_ORDER)
    async def test_place_returns_an_ack_with_an_order_id(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.PLACE_ORDER)
        ack = _ack(await adapter.place_order(resting_buy(samples), make_tag(request.node.nodeid)))
        assert ack.status not in (OrderStatus.REJECTED, OrderStatus.CANCELLED), (
            f"a valid resting order was acknowledged as {ack.status.value}"
        )

    @verifies(Capability.ALGO_ID)
    async def test_an_order_placed_with_algo_metadata_is_booked_as_sent(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ALGO_ID)
        order = resting_buy(samples)
        tag = make_tag(request.node.nodeid)
        algo = AlgoTag("compliance check", "ALGO-1")
        ack = _ack(await adapter.place_algo_order(order, tag, algo))
        booked = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert_matches_request(booked, order, order_id=ack.order_id, tag=tag)

    @verifies(Capability.ORDER_BOOK)
    async def test_placed_order_shows_in_the_book_with_its_tag(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_BOOK)
        order = resting_buy(samples)
        tag = make_tag(request.node.nodeid)
        ack = _ack(await adapter.place_order(order, tag))
        book = assert_domain_list(await adapter.list_orders(), Order)
        listed = one_with_id(book, ack.order_id, "list_orders()")
        assert_matches_request(listed, order, order_id=ack.order_id, tag=tag)
        assert_open(listed, "list_orders()")

    @verifies(Capability.ORDER_BOOK)
    async def test_get_order_returns_the_placed_order(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_BOOK)
        order = resting_buy(samples, quantity=2)
        tag = make_tag(request.node.nodeid)
        ack = _ack(await adapter.place_order(order, tag))
        got = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert_matches_request(got, order, order_id=ack.order_id, tag=tag)
        assert_open(got, "get_order()")
        assert got.pending_quantity == 2, f"pending quantity {got.pending_quantity}, expected 2"

    @verifies(Capability.ORDER_BOOK)
    async def test_order_book_holds_only_domain_models(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_BOOK)
        ids = set()
        for leg in range(2):
            tag = make_tag(request.node.nodeid, leg)
            ids.add(_ack(await adapter.place_order(resting_buy(samples), tag)).order_id)
        assert len(ids) == 2, "two orders were given the same order_id"
        book = assert_domain_list(await adapter.list_orders(), Order)
        assert ids <= {o.order_id for o in book}, "the book lacks an order just placed"

    @verifies(Capability.ORDER_BOOK)
    async def test_get_order_of_unknown_id_raises_order_not_found(
        self, adapter: BrokerAdapter
    ) -> None:
        require(adapter, Capability.ORDER_BOOK)
        with pytest.raises(OrderNotFound):
            await adapter.get_order(UNKNOWN_ORDER_ID)

    @verifies(Capability.ORDER_HISTORY)
    async def test_order_history_ends_in_the_orders_state(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_HISTORY)
        ack = _ack(await adapter.place_order(resting_buy(samples), make_tag(request.node.nodeid)))
        history = assert_domain_list(
            await adapter.get_order_history(ack.order_id), OrderHistoryEntry
        )
        assert history, "an order just placed has no history"
        assert {h.order_id for h in history} == {ack.order_id}, "history of another order"
        now = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert history[-1].status is now.status, (
            f"history ends in {history[-1].status.value}, the order is {now.status.value}"
        )
        if Capability.CANCEL_ORDER in type(adapter).capabilities:
            await adapter.cancel_order(ack.order_id)
            after = await adapter.get_order_history(ack.order_id)
            assert after[-1].status is OrderStatus.CANCELLED, (
                f"after cancel the history ends in {after[-1].status.value}"
            )
            assert len(after) >= len(history), "cancelling shortened the history"

    @verifies(Capability.ORDER_HISTORY)
    async def test_order_history_of_unknown_id_raises_order_not_found(
        self, adapter: BrokerAdapter
    ) -> None:
        require(adapter, Capability.ORDER_HISTORY)
        with pytest.raises(OrderNotFound):
            await adapter.get_order_history(UNKNOWN_ORDER_ID)

    @verifies(Capability.EXIT_POSITIONS)
    async def test_exit_orders_only_reduce_positions(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.EXIT_POSITIONS)

        def position(quantity: int) -> Position:
            return Position(
                exchange=samples.equity.exchange,
                symbol=samples.equity.symbol,
                product=Product.MIS,
                quantity=quantity,
                average_price=samples.resting_buy_price,
            )

        long, short, flat = position(7), position(-3), position(0)
        exits = adapter.exit_orders([long, short, flat])
        assert [p for p, _ in exits] == [long, short], "flat positions need no exit"
        for held, order in exits:
            assert isinstance(order, OrderRequest), f"exit of {held.symbol} is not an order"
            assert reduces_exposure(order, held), f"{order!r} does not only reduce {held!r}"
        assert [(o.side, o.quantity) for _, o in exits] == [(Side.SELL, 7), (Side.BUY, 3)]

    @verifies(Capability.EXIT_POSITIONS)
    async def test_exit_orders_flatten_a_position_at_the_broker(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.EXIT_POSITIONS)
        buy = resting_buy(samples, quantity=1, order_type=OrderType.MARKET, price=None)
        buy = buy.model_copy(update={"product": Product.MIS})
        await adapter.place_order(buy, make_tag(request.node.nodeid, 0))
        ref = (samples.equity.exchange, samples.equity.symbol)
        held = [p for p in await adapter.get_positions() if (p.exchange, p.symbol) == ref]
        assert [p.quantity for p in held if p.quantity], "a filled market buy left no position"
        for leg, (_, order) in enumerate(adapter.exit_orders(held), start=1):
            await adapter.place_order(order, make_tag(request.node.nodeid, leg))
        after = [p for p in await adapter.get_positions() if (p.exchange, p.symbol) == ref]
        assert all(p.quantity == 0 for p in after), f"positions left open: {after!r}"

    @verifies(Capability.CANCEL_ORDER)
    async def test_cancel_changes_status_to_cancelled(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.CANCEL_ORDER)
        ack = _ack(await adapter.place_order(resting_buy(samples), make_tag(request.node.nodeid)))
        before = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert_open(before, "before cancel")
        cancel = _ack(await adapter.cancel_order(ack.order_id))
        assert cancel.order_id == ack.order_id, "the cancel ack names another order"
        after = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert after.status is OrderStatus.CANCELLED, (
            f"after cancel the order is {after.status.value}, expected CANCELLED"
        )

    @verifies(Capability.CANCEL_ORDER)
    async def test_cancel_of_unknown_id_is_refused(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.CANCEL_ORDER)
        with pytest.raises((InvalidRequest, OrderRejected)):
            await adapter.cancel_order(UNKNOWN_ORDER_ID)

    @verifies(Capability.MODIFY_ORDER)
    async def test_modify_changes_the_price(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.MODIFY_ORDER)
        tick = (await adapter.get_instrument(samples.equity)).tick_size
        new_price = samples.resting_buy_price - tick
        if new_price <= 0:
            new_price = samples.resting_buy_price + tick
        tag = make_tag(request.node.nodeid)
        ack = _ack(await adapter.place_order(resting_buy(samples), tag))
        modified = _ack(
            await adapter.modify_order(ack.order_id, OrderModification(price=new_price))
        )
        assert modified.order_id == ack.order_id, "the modify ack names another order"
        got = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert got.price == new_price, (
            f"after modify the price is {got.price}, expected {new_price}"
        )
        assert got.tag == tag, f"modify lost the tag: {got.tag!r}"
        assert_open(got, "after modify")

    @verifies(Capability.STOP_ORDERS)
    async def test_stop_order_waits_for_its_trigger(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.STOP_ORDERS)
        tick = (await adapter.get_instrument(samples.equity)).tick_size
        last = (await adapter.get_quotes([samples.equity]))[0].last_price
        # A BUY stop well above the market cannot trigger during the test.
        trigger = (last * Decimal("1.10") / tick).to_integral_value(ROUND_CEILING) * tick
        order = resting_buy(samples, order_type=OrderType.SL, price=trigger, trigger_price=trigger)
        tag = make_tag(request.node.nodeid)
        ack = _ack(await adapter.place_order(order, tag))
        got = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert_matches_request(got, order, order_id=ack.order_id, tag=tag)
        assert got.trigger_price == trigger, f"trigger {got.trigger_price}, expected {trigger}"
        assert_open(got, "an untriggered stop order")

    @verifies(Capability.AMO)
    async def test_amo_order_is_accepted_and_rests(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.AMO)
        order = resting_buy(samples, amo=True)
        tag = make_tag(request.node.nodeid)
        ack = _ack(await adapter.place_order(order, tag))
        got = assert_domain(await adapter.get_order(ack.order_id), Order)
        assert_matches_request(got, order, order_id=ack.order_id, tag=tag)
        assert_open(got, "an after-market order")
