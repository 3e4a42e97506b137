"""Tags and reconciliation area: the tag is what makes a retry after a lost reply safe."""

from __future__ import annotations

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.domain import Order, OrderAck, OrderStatus

from ordo_testing.compliance.checks import (
    assert_domain,
    assert_domain_list,
    make_tag,
    one_with_id,
    require,
    resting_buy,
    verifies,
)
from ordo_testing.harness import AdapterHarness, SampleInstruments


@pytest.mark.asyncio
class TagsSuite:
    """``find_orders_by_tag`` finds exactly the orders placed with a tag, from the broker."""

    @verifies(Capability.ORDER_TAGS)
    async def test_find_orders_by_tag_returns_the_placed_order(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_TAGS)
        tag = make_tag(request.node.nodeid)
        ack = assert_domain(await adapter.place_order(resting_buy(samples), tag), OrderAck)
        found = assert_domain_list(await adapter.find_orders_by_tag(tag), Order)
        order = one_with_id(found, ack.order_id, f"find_orders_by_tag({tag!r})")
        assert order.tag == tag, f"found order carries tag {order.tag!r}, expected {tag!r}"
        assert len(found) == 1, f"one order carries {tag}, found {len(found)}"

    @verifies(Capability.ORDER_TAGS)
    async def test_unknown_tag_finds_nothing(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_TAGS)
        await adapter.place_order(resting_buy(samples), make_tag(request.node.nodeid, 0))
        found = await adapter.find_orders_by_tag(make_tag(request.node.nodeid, 1))
        assert found == [], f"a tag never sent matched {len(found)} orders"

    @verifies(Capability.ORDER_TAGS)
    async def test_tags_tell_orders_apart(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_TAGS)
        tags = [make_tag(request.node.nodeid, leg) for leg in range(3)]
        ids = [(await adapter.place_order(resting_buy(samples), t)).order_id for t in tags]
        for tag, order_id in zip(tags, ids, strict=True):
            found = assert_domain_list(await adapter.find_orders_by_tag(tag), Order)
            assert [o.order_id for o in found] == [order_id], (
                f"tag {tag} should find only {order_id}, found {[o.order_id for o in found]}"
            )

    @verifies(Capability.ORDER_TAGS)
    async def test_cancelled_order_is_still_found_by_tag(
        self, adapter: BrokerAdapter, samples: SampleInstruments, request: pytest.FixtureRequest
    ) -> None:
        require(adapter, Capability.ORDER_TAGS)
        tag = make_tag(request.node.nodeid)
        ack = await adapter.place_order(resting_buy(samples), tag)
        await adapter.cancel_order(ack.order_id)
        found = assert_domain_list(await adapter.find_orders_by_tag(tag), Order)
        order = one_with_id(found, ack.order_id, f"find_orders_by_tag({tag!r})")
        assert order.status is OrderStatus.CANCELLED, (
            f"reconciliation sees a cancelled order as {order.status.value}"
        )

    @verifies(Capability.ORDER_TAGS)
    async def test_a_lost_reply_is_reconciled_from_the_broker(
        self,
        harness: AdapterHarness,
        adapter: BrokerAdapter,
        samples: SampleInstruments,
        request: pytest.FixtureRequest,
    ) -> None:
        """After a lost reply the core asks a (possibly restarted) adapter by tag; the
        answer must come from the broker's book, not from the adapter's memory."""
        require(adapter, Capability.ORDER_TAGS)
        tag = make_tag(request.node.nodeid)
        ack = await adapter.place_order(resting_buy(samples), tag)
        fresh = harness.create_adapter()
        await fresh.start()
        try:
            await harness.login(fresh)
            found = assert_domain_list(await fresh.find_orders_by_tag(tag), Order)
        finally:
            await fresh.aclose()
        order = one_with_id(found, ack.order_id, "a fresh adapter's find_orders_by_tag")
        assert order.tag == tag, f"found order carries tag {order.tag!r}, expected {tag!r}"
