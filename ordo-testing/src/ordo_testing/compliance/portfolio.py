"""Portfolio area: funds, holdings, positions and the trade book."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.domain import Funds, Holding, Position, Profile, Trade

from ordo_testing.compliance.checks import (
    assert_domain,
    assert_domain_list,
    require,
    resting_buy,
    verifies,
)
from ordo_testing.harness import SampleInstruments


@pytest.mark.asyncio
class PortfolioSuite:
    """Money and holdings come back as typed, sane domain models."""

    @verifies(Capability.FUNDS)
    async def test_funds_are_non_negative_decimals(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.FUNDS)
        funds = assert_domain(await adapter.get_funds(), Funds)
        for name in ("available", "used", "total", "collateral"):
            value = getattr(funds, name)
            assert isinstance(value, Decimal), f"funds.{name} is {type(value).__name__}"
            assert value.is_finite(), f"funds.{name} = {value} is not finite"
            assert value >= 0, f"funds.{name} = {value} is negative"
        if funds.total > 0:
            assert funds.available <= funds.total, (
                f"available {funds.available} exceeds total {funds.total}"
            )

    @verifies(Capability.HOLDINGS)
    async def test_holdings_are_domain_models(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.HOLDINGS)
        holdings = assert_domain_list(await adapter.get_holdings(), Holding)
        for h in holdings:
            assert h.quantity >= 0, f"{h.symbol}: negative quantity"
            assert h.t1_quantity >= 0, f"{h.symbol}: negative T1 quantity"
            assert h.average_price >= 0, f"{h.symbol}: negative average price"

    @verifies(Capability.POSITIONS)
    async def test_positions_are_domain_models(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.POSITIONS)
        positions = assert_domain_list(await adapter.get_positions(), Position)
        for p in positions:
            assert p.buy_quantity >= 0, f"{p.symbol}: negative buy quantity"
            assert p.sell_quantity >= 0, f"{p.symbol}: negative sell quantity"
            if p.buy_quantity or p.sell_quantity:
                assert p.quantity == p.buy_quantity - p.sell_quantity, (
                    f"{p.symbol}: net {p.quantity} != bought {p.buy_quantity} - sold "
                    f"{p.sell_quantity}"
                )

    @verifies(Capability.TRADES)
    async def test_trades_are_domain_models(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.TRADES)
        trades = assert_domain_list(await adapter.get_trades(), Trade)
        for t in trades:
            assert t.quantity > 0, f"trade {t.trade_id}: quantity {t.quantity}"
            assert t.price > 0, f"trade {t.trade_id}: price {t.price}"

    @verifies(Capability.PROFILE)
    async def test_profile_names_the_user(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.PROFILE)
        profile = assert_domain(await adapter.get_profile(), Profile)
        assert profile.client_id.strip(), "the profile has no client id"
        assert profile.broker == adapter.id, f"profile.broker {profile.broker!r} != {adapter.id!r}"

    @verifies(Capability.MARGIN)
    async def test_margin_of_a_delivery_buy_places_nothing(
        self, adapter: BrokerAdapter, samples: SampleInstruments
    ) -> None:
        require(adapter, Capability.MARGIN)
        before = len(await adapter.list_orders())
        order = resting_buy(samples, quantity=2)
        margin = await adapter.required_margin(order)
        assert isinstance(margin, Decimal), f"required_margin gave {type(margin).__name__}"
        assert margin.is_finite(), f"required margin {margin} is not finite"
        value = samples.resting_buy_price * 2
        # Delivery is paid in full; charges may add a little, leverage must not apply.
        assert value <= margin <= value * Decimal("1.05"), f"margin {margin} for value {value}"
        assert len(await adapter.list_orders()) == before, "asking for the margin placed an order"
