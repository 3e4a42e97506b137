"""Margin from the broker: where an adapter declares a margin calculator, the pre-trade funds
check (and the reservation) uses the broker's required margin for the order instead of
price x quantity; where it has none, the local estimate stays; the reply says which."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from ordo import hookimpl
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import BrokerUnavailable
from ordo.config import AccountConfig, load_settings
from ordo.domain import Funds, OrderRequest
from ordo.plugins import create_plugins
from ordo_adapter_mock.adapter import MockAdapter
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "pretrade-margin-token-51c2"
AVAILABLE = Decimal("1000")


class LeveragedPaper(MockAdapter):
    """Reports 1,000 available and a 20% intraday margin, as a broker's calculator would for
    an MIS order; the estimate (price x quantity) would need five times as much."""

    id: ClassVar[str] = "leveraged"
    margin_calls: ClassVar[list[OrderRequest]] = []
    calculator_down: ClassVar[bool] = False

    async def get_funds(self) -> Funds:
        return Funds(available=AVAILABLE, total=AVAILABLE)

    async def required_margin(self, order: OrderRequest) -> Decimal:
        type(self).margin_calls.append(order)
        if type(self).calculator_down:
            raise BrokerUnavailable("margin calculator down")
        assert order.price is not None
        return order.price * order.quantity / 5


class EstimatedPaper(MockAdapter):
    """The same funds, no margin calculator: the local estimate stands."""

    id: ClassVar[str] = "estimated"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability) - {Capability.MARGIN}

    async def get_funds(self) -> Funds:
        return Funds(available=AVAILABLE, total=AVAILABLE)

    async def required_margin(self, order: OrderRequest) -> Decimal:
        raise AssertionError("the core must not ask an adapter that does not declare MARGIN")


class Plugin:
    __name__ = "margin_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(LeveragedPaper)
        register(EstimatedPaper)


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    LeveragedPaper.margin_calls.clear()
    LeveragedPaper.calculator_down = False
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "broker": AccountConfig(adapter="leveraged"),
            "local": AccountConfig(adapter="estimated"),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as g:
        yield g


def order(account: str, price: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "accounts": [account],
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": quantity,
        "order_type": "LIMIT",
        "price": price,
        "product": "MIS",
        **extra,
    }


async def test_the_brokers_margin_decides_where_it_has_a_calculator(
    gw: InProcessGateway,
) -> None:
    # 4,000 of stock at 20% margin needs 800: fits 1,000 only by the broker's margin.
    placed = await gw.client.post("/api/v1/orders", json=order("broker", "400", 10))
    [leg] = placed.json()["results"]
    assert leg["status"] == "success", leg
    assert leg["data"]["margin_source"] == "broker"
    [asked] = LeveragedPaper.margin_calls
    assert (asked.symbol, asked.quantity, asked.price) == ("SBIN", 10, Decimal("400"))

    # The same order on the account without a calculator is valued at 4,000: refused.
    refused = await gw.client.post("/api/v1/orders", json=order("local", "400", 10))
    [leg] = refused.json()["results"]
    assert leg["error_code"] == "INSUFFICIENT_FUNDS"
    assert "order value (estimate) 4000.00" in leg["message"]


async def test_a_refusal_names_the_brokers_margin(gw: InProcessGateway) -> None:
    # 6,000 of stock needs 1,200 at 20%: more than the 1,000 available.
    refused = await gw.client.post("/api/v1/orders", json=order("broker", "400", 15))
    [leg] = refused.json()["results"]
    assert leg["error_code"] == "INSUFFICIENT_FUNDS"
    assert "required margin (broker) 1200.00" in leg["message"]


async def test_the_estimate_is_reported_where_the_calculator_fails_or_is_absent(
    gw: InProcessGateway,
) -> None:
    placed = await gw.client.post("/api/v1/orders", json=order("local", "50", 10))
    assert placed.json()["results"][0]["data"]["margin_source"] == "estimate"

    LeveragedPaper.calculator_down = True
    # The calculator is down: the local estimate (500) decides and the order goes through.
    placed = await gw.client.post("/api/v1/orders", json=order("broker", "50", 10))
    [leg] = placed.json()["results"]
    assert leg["status"] == "success", leg
    assert leg["data"]["margin_source"] == "estimate"
    # ... and with the estimate, 4,000 no longer fits.
    refused = await gw.client.post("/api/v1/orders", json=order("broker", "400", 10))
    assert refused.json()["results"][0]["error_code"] == "INSUFFICIENT_FUNDS"


async def test_sells_are_not_valued(gw: InProcessGateway) -> None:
    await gw.client.post("/api/v1/orders", json=order("broker", "100", 1))
    LeveragedPaper.margin_calls.clear()
    sold = await gw.client.post("/api/v1/orders", json=order("broker", "100", 1, side="SELL"))
    [leg] = sold.json()["results"]
    assert leg["status"] == "success", leg
    assert leg["data"]["margin_source"] is None
    assert LeveragedPaper.margin_calls == []
