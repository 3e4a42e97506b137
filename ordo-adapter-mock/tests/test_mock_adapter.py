"""MockAdapter as the core sees it: plugin registration, contract and determinism."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ordo_adapter_mock
import pytest
from ordo.adapters.base import AdapterContext, AdapterSettings, BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import InstrumentNotFound, InvalidRequest
from ordo.domain import (
    Exchange,
    LoginChallenge,
    OrderModification,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    SymbolRef,
)
from ordo_adapter_mock import MockAdapter, MockSettings
from ordo_adapter_mock.testing import HARNESS_OTP, MockHarness
from ordo_testing.harness import load_harness
from pydantic import SecretStr, ValidationError

Req = Callable[..., OrderRequest]
SBIN = SymbolRef(exchange=Exchange.NSE, symbol="SBIN")


def test_hook_registers_the_adapter() -> None:
    registered: list[type[BrokerAdapter]] = []
    ordo_adapter_mock.register_adapters(registered.append)
    assert registered == [MockAdapter]
    assert MockAdapter.id == "mock"
    assert MockAdapter.display_name == "Paper broker"


def test_entry_points_are_installed() -> None:
    ordo = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="ordo")}
    assert ordo["mock"] == "ordo_adapter_mock"
    assert load_harness("mock") is MockHarness


def test_every_capability_is_declared() -> None:
    assert MockAdapter.capabilities == frozenset(Capability)
    assert MockAdapter.Settings is MockSettings


def test_settings_forbid_typos_and_hide_the_otp() -> None:
    with pytest.raises(ValidationError):
        MockSettings.model_validate({"starting_csh": 5})
    settings = MockSettings(login_otp=SecretStr("999111"))
    assert "999111" not in repr(settings)


def test_adapter_refuses_foreign_settings(tmp_path: Path) -> None:
    foreign: Any = AdapterSettings()  # the wrong type on purpose: the check is at runtime
    with pytest.raises(TypeError):
        MockAdapter(foreign, AdapterContext("x", tmp_path))


async def test_order_round_trip(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    adapter.broker.set_price(SBIN, "800")
    [quote] = await adapter.get_quotes([SBIN])
    assert quote.last_price == Decimal("800")
    ack = await adapter.place_order(
        make_request(quantity=2, order_type=OrderType.LIMIT, price="780"), "O0000000000000A1"
    )
    assert ack.status is OrderStatus.OPEN
    ack = await adapter.modify_order(ack.order_id, OrderModification(price=Decimal("790")))
    assert (await adapter.get_order(ack.order_id)).price == Decimal("790")
    adapter.broker.set_price(SBIN, "789")
    order = await adapter.get_order(ack.order_id)
    assert (order.status, order.average_price) == (OrderStatus.FILLED, Decimal("790"))
    [trade] = await adapter.get_trades()
    assert trade.order_id == order.order_id
    [found] = await adapter.find_orders_by_tag("O0000000000000A1")
    assert found == order
    assert await adapter.find_orders_by_tag("O0000000000000B2") == []
    assert [o.order_id for o in await adapter.list_orders()] == [order.order_id]
    [holding] = await adapter.get_holdings()
    assert holding.quantity == 2


async def test_bad_tags_and_unknown_symbols(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    with pytest.raises(InvalidRequest):
        await adapter.place_order(make_request(), "not a tag!")
    with pytest.raises(InstrumentNotFound):
        await adapter.get_quotes([SymbolRef.parse("NSE:NOSUCH")])
    with pytest.raises(InstrumentNotFound):
        await adapter.get_instrument(SymbolRef.parse("NSE:NOSUCH"))
    assert adapter.broker.orders() == []


async def test_instruments_and_search(adapter: MockAdapter) -> None:
    assert await adapter.load_instruments() == len(adapter.broker.instruments())
    instrument = await adapter.get_instrument(SBIN)
    assert (instrument.lot_size, instrument.isin) == (1, "INE062A01020")
    hits = await adapter.search_instruments("nifty", limit=3)
    assert hits[0].symbol == "NIFTY"
    assert len(hits) == 3


async def test_same_seed_same_history(tmp_path: Path, make_request: Req) -> None:
    async def run() -> tuple[object, ...]:
        adapter = MockAdapter(MockSettings(seed=42), AdapterContext("det", tmp_path))
        await adapter.begin_login()
        await adapter.place_order(
            make_request(quantity=5, order_type=OrderType.LIMIT, price="700"), "D1"
        )
        await adapter.place_order(make_request(symbol="INFY", quantity=3), "D2")
        adapter.broker.tick(50)
        await adapter.place_order(make_request(symbol="INFY", side=Side.SELL, quantity=3), "D3")
        orders = [
            o.model_dump(exclude={"placed_at", "updated_at"}) for o in await adapter.list_orders()
        ]
        trades = [t.model_dump(exclude={"traded_at"}) for t in await adapter.get_trades()]
        quotes = [q.last_price for q in await adapter.get_quotes([SBIN])]
        return orders, trades, await adapter.get_funds(), await adapter.get_positions(), quotes

    assert await run() == await run()


async def test_a_thousand_orders(adapter: MockAdapter, make_request: Req) -> None:
    await adapter.begin_login()
    for n in range(1000):
        await adapter.place_order(make_request(quantity=1), f"K{n}")
    orders = await adapter.list_orders()
    assert len(orders) == 1000
    assert all(o.status is OrderStatus.FILLED for o in orders)
    assert len({o.order_id for o in orders}) == 1000
    assert len(await adapter.find_orders_by_tag("K999")) == 1
    assert adapter.broker.calls.count("place_order") == 1000
    [holding] = await adapter.get_holdings()
    assert holding.quantity == 1000


async def test_harness_shares_one_broker(tmp_path: Path) -> None:
    harness = MockHarness(tmp_path)
    first, second = harness.create_adapter("a"), harness.create_adapter("b")
    assert first.broker is second.broker is harness.broker
    await harness.login(first)
    samples = harness.samples()
    assert samples.untradable == SymbolRef.parse("NSE:DHFL")
    assert samples.resting_buy_price < harness.broker.last_price(samples.equity)
    assert samples.resting_buy_price % Decimal("0.05") == 0
    assert samples.derivative is not None
    assert samples.derivative.exchange is Exchange.NFO
    step = await second.begin_login()
    assert isinstance(step, LoginChallenge)
    assert harness.answer(step) == HARNESS_OTP
    harness.expire_sessions()
    with pytest.raises(Exception, match="does not recognise"):
        await first.get_funds()
