"""End to end against each broker fake: an order placed through Ordo is then filled partly,
rejected after its acknowledgement, or expired at day end by the fake, and the polling
order watcher turns each change into the right order events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from ordo.config import AccountConfig, load_settings
from ordo.domain import LoginChallenge
from ordo.events.model import EventStatus, OrderEvent
from ordo_testing.harness import SampleInstruments
from ordo_testing.server import InProcessGateway, gateway_in_process
from pydantic import BaseModel

TOKEN = "order-events-fakes-token-0123"
ACCOUNT = "acct"
REJECTION = "RMS: exposure limit breached after acknowledgement"


class AfterAck(Protocol):
    """What each broker fake's test-control surface offers after an acknowledgement."""

    def reject_after_ack(self, order_id: str, reason: str) -> None: ...
    def fill_partly(self, order_id: str, quantity: int, price: Decimal | None = None) -> None: ...
    def expire_day(self) -> list[str]: ...


@dataclass
class BrokerCase:
    adapter: str
    settings: BaseModel
    answer: Callable[[LoginChallenge], str]
    transport: httpx.AsyncBaseTransport
    samples: SampleInstruments
    fake: AfterAck


def fyers(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_fyers.testing import FyersHarness

    h = FyersHarness(tmp_path / "fyers-fake")
    return BrokerCase("fyers", h.settings(), h.answer, h.transport, h.samples(), h.fake)


def hdfc(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_hdfc.testing import HdfcHarness

    h = HdfcHarness(tmp_path / "hdfc-fake")
    return BrokerCase("hdfc", h.settings(), h.answer, h.transport, h.samples(), h.broker)


def mirae(tmp_path: Path) -> BrokerCase:
    from ordo_adapter_mirae.fake import FakeTransport
    from ordo_adapter_mirae.testing import MiraeHarness

    h = MiraeHarness(tmp_path / "mirae-fake")
    transport = FakeTransport(h.fake)
    return BrokerCase("mirae", h.settings(), h.answer, transport, h.samples(), h.broker)


CASES = {"fyers": fyers, "hdfc": hdfc, "mirae": mirae}


def revealed(settings: BaseModel) -> dict[str, Any]:
    """The harness settings as an account's settings mapping (secret fields stay SecretStr)."""
    return dict(settings)


async def log_in(gw: InProcessGateway, case: BrokerCase) -> None:
    step = (await gw.client.post(f"/api/v1/accounts/{ACCOUNT}/login")).json()
    for _ in range(6):
        assert step["status"] == "success", step
        if step["data"]["state"] == "active":
            break
        challenge = step["data"]["challenge"]
        answer = case.answer(LoginChallenge.model_validate(challenge))
        url = f"/api/v1/accounts/{ACCOUNT}/login/{challenge['challenge_id']}"
        step = (await gw.client.post(url, json={"answer": answer})).json()
    assert step["data"]["state"] == "active", step
    await gw.runtime.watchers.sync()


async def place_resting_buy(gw: InProcessGateway, case: BrokerCase, quantity: int) -> str:
    symbol = case.samples.equity
    order = {
        "accounts": [ACCOUNT],
        "exchange": str(symbol.exchange),
        "symbol": symbol.symbol,
        "side": "BUY",
        "quantity": quantity,
        "order_type": "LIMIT",
        "price": str(case.samples.resting_buy_price),
        "product": "CNC",
    }
    placed = (await gw.client.post("/api/v1/orders", json=order)).json()
    (result,) = placed["results"]
    assert result["status"] == "success", placed
    return str(result["data"]["order_id"])


async def events_after_poll(gw: InProcessGateway, order_id: str) -> list[OrderEvent]:
    _, watcher = gw.runtime.watchers.running[ACCOUNT]
    await watcher.poll_once()
    return list(await gw.runtime.events.for_order(ACCOUNT, order_id))


Scenario = Callable[[InProcessGateway, BrokerCase], Awaitable[None]]


async def partly_filled_then_filled(gw: InProcessGateway, case: BrokerCase) -> None:
    order_id = await place_resting_buy(gw, case, quantity=10)
    case.fake.fill_partly(order_id, 4, case.samples.resting_buy_price)
    events = await events_after_poll(gw, order_id)
    assert (events[-1].status, events[-1].filled_quantity) == (EventStatus.PARTIALLY_FILLED, 4)
    assert events[-1].average_price == case.samples.resting_buy_price
    case.fake.fill_partly(order_id, 6, case.samples.resting_buy_price)
    events = await events_after_poll(gw, order_id)
    assert (events[-1].status, events[-1].filled_quantity) == (EventStatus.FILLED, 10)
    statuses = [e.status for e in events]
    assert statuses.index(EventStatus.PARTIALLY_FILLED) < statuses.index(EventStatus.FILLED)
    assert statuses.count(EventStatus.PARTIALLY_FILLED) == 1  # deduplicated across polls
    assert all(e.tag is not None and e.broker == case.adapter for e in events[-2:])


async def rejected_after_ack(gw: InProcessGateway, case: BrokerCase) -> None:
    order_id = await place_resting_buy(gw, case, quantity=1)
    case.fake.reject_after_ack(order_id, REJECTION)
    events = await events_after_poll(gw, order_id)
    last = events[-1]
    assert last.status is EventStatus.REJECTED
    assert last.message == REJECTION
    assert last.after_ack
    assert last.request_id is not None


async def expired_at_day_end(gw: InProcessGateway, case: BrokerCase) -> None:
    order_id = await place_resting_buy(gw, case, quantity=2)
    case.fake.fill_partly(order_id, 1, case.samples.resting_buy_price)
    assert case.fake.expire_day() == [order_id]
    events = await events_after_poll(gw, order_id)
    assert (events[-1].status, events[-1].filled_quantity) == (EventStatus.EXPIRED, 1)
    assert EventStatus.PARTIALLY_FILLED not in [e.status for e in events]  # one poll saw both


SCENARIOS: dict[str, Scenario] = {
    "partly-filled": partly_filled_then_filled,
    "rejected-after-ack": rejected_after_ack,
    "expired": expired_at_day_end,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("broker", sorted(CASES))
async def test_a_fake_changes_an_acknowledged_order_and_the_watcher_reports_it(
    broker: str, scenario: str, tmp_path: Path
) -> None:
    case = CASES[broker](tmp_path)
    settings = load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        accounts={ACCOUNT: AccountConfig(adapter=case.adapter, settings=revealed(case.settings))},
    )
    async with gateway_in_process(
        settings, token=TOKEN, transports={ACCOUNT: case.transport}
    ) as gw:
        await log_in(gw, case)
        await SCENARIOS[scenario](gw, case)
