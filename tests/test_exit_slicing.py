"""Exit-all of derivative positions above the exchange freeze quantity, against the paper
broker: the exit is sliced into child orders of at most the freeze quantity, under the kill
switch; the response lists each position's children; a retry of the key books nothing more;
two positions of one account get distinct child tags; a market exit goes out protected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from ordo import hookimpl
from ordo.adapters.errors import OutcomeUnknown
from ordo.config import AccountConfig, load_settings
from ordo.domain import Instrument, OrderAck, OrderRequest, OrderType, Side, SymbolRef
from ordo.domain.protection import MarketProtection
from ordo.plugins import create_plugins
from ordo.safety.tags import order_tag, slice_tag
from ordo_adapter_mock import MockAdapter, PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "exit-slicing-token-7c3f9e"
EXIT = "/api/v1/positions/exit-all"
FREEZE = 1800
"""The paper master's NIFTY freeze quantity."""
STILL = {"price_volatility": 0.0, "orders_per_second": None, "orders_per_minute": None}
"""Paper settings with prices that stay where a test sets them."""


class LimitPaper(MockAdapter):
    """The paper broker without a protection field: Ordo must send protected LIMITs."""

    id: ClassVar[str] = "exitlimitpaper"
    market_protection: ClassVar[MarketProtection] = MarketProtection.LIMIT
    received: ClassVar[list[OrderRequest]] = []

    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        type(self).received.append(order)
        return await super().place_order(order, tag)


class LosingPaper(MockAdapter):
    """Loses the reply to its ``lose_at``-th sell (an exit child): after booking it when
    ``book``, else before it reached the book. Either way the gateway cannot tell."""

    id: ClassVar[str] = "exitlosingpaper"
    lose_at: ClassVar[int] = 2
    book: ClassVar[bool] = True
    sells: ClassVar[int] = 0

    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        if order.side is Side.SELL:
            type(self).sells += 1
            if type(self).sells == type(self).lose_at:
                if type(self).book:
                    await super().place_order(order, tag)
                raise OutcomeUnknown("test: the reply to this exit child was lost")
        return await super().place_order(order, tag)


class Plugin:
    __name__ = "exit_slicing_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(LimitPaper)
        register(LosingPaper)


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    LimitPaper.received.clear()
    LosingPaper.sells = 0
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        # The lost-reply test keeps the book unreadable for a while: no breaker trip.
        breaker_fail_max=100_000,
        accounts={
            "paper": AccountConfig(adapter="mock", settings=STILL),
            "limits": AccountConfig(adapter="exitlimitpaper", settings=STILL),
            "losing": AccountConfig(adapter="exitlosingpaper", settings=STILL),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as g:
        yield g


def broker_of(gw: InProcessGateway, account: str) -> PaperBroker:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter.broker


def nifty_call(gw: InProcessGateway, account: str, strike: str) -> Instrument:
    """A NIFTY call of the paper master (lot 75, freeze quantity 1800)."""
    return next(
        i
        for i in broker_of(gw, account).instruments()
        if i.underlying == "NIFTY" and i.symbol.endswith("CE") and i.strike == Decimal(strike)
    )


async def go_long(gw: InProcessGateway, account: str, option: Instrument, quantity: int) -> None:
    """Open a long NRML position of ``quantity`` (sliced itself: it is above the freeze)."""
    body = {
        "accounts": [account],
        "exchange": "NFO",
        "symbol": option.symbol,
        "side": "BUY",
        "quantity": quantity,
        "product": "NRML",
        "slice": True,
    }
    placed = await gw.client.post("/api/v1/orders", json=body)
    assert placed.json()["status"] == "success", placed.json()


def net(gw: InProcessGateway, account: str) -> dict[str, int]:
    return {p.symbol: p.quantity for p in broker_of(gw, account).positions()}


async def engage(gw: InProcessGateway) -> None:
    on = await gw.client.post("/api/v1/kill-switch", json={"reason": "flatten"})
    assert on.json()["data"]["active"] is True


def exit_tag(key: str, account: str, option: Instrument) -> str:
    """The exit leg's own tag for a long NRML position in ``option``."""
    return order_tag("default", key, f"{account}|exit|NFO:{option.symbol}|NRML")


def child_tags(key: str, leg_tag: str, quantity: int, count: int) -> list[str]:
    """The tags of an exit's children: named after the exit's own tag and the quantity
    sliced (``ordo.orchestrator.slicing.children_of``)."""
    return [slice_tag("default", key, f"{leg_tag}\x1f{quantity}", i) for i in range(count)]


def sell_children(broker: PaperBroker) -> list[tuple[str, int]]:
    """The exit children the broker booked: (tag, quantity) of each SELL."""
    return [(o.tag or "", o.quantity) for o in broker.orders() if o.side.value == "SELL"]


async def test_an_exit_above_the_freeze_quantity_goes_as_children_under_the_kill_switch(
    gw: InProcessGateway,
) -> None:
    option = nifty_call(gw, "paper", "24000")
    await go_long(gw, "paper", option, 4500)  # 2.5 x the freeze quantity
    paper = broker_of(gw, "paper")
    await engage(gw)

    headers = {"Idempotency-Key": "exit-sliced"}
    response = await gw.client.post(EXIT, params={"accounts": "paper"}, headers=headers)
    body = response.json()
    assert response.status_code == 200, body
    [result] = body["results"]
    assert result["status"] == "success", result
    [row] = result["data"]["positions"]
    leg_tag = exit_tag("exit-sliced", "paper", option)
    assert (row["symbol"], row["position_quantity"], row["side"], row["quantity"]) == (
        option.symbol,
        4500,
        "SELL",
        4500,
    )
    assert (row["status"], row["tag"], row["order_id"]) == ("success", leg_tag, None)
    sliced = row["sliced"]
    assert (sliced["tag"], sliced["quantity"], sliced["freeze_quantity"]) == (leg_tag, 4500, FREEZE)
    tags = child_tags("exit-sliced", leg_tag, 4500, 3)
    assert [(s["index"], s["quantity"], s["status"], s["tag"]) for s in sliced["slices"]] == [
        (0, 1800, "success", tags[0]),
        (1, 1800, "success", tags[1]),
        (2, 900, "success", tags[2]),
    ]
    assert sell_children(paper) == list(zip(tags, [1800, 1800, 900], strict=True))
    assert sliced["order_ids"] == [o.order_id for o in paper.orders() if o.side.value == "SELL"]
    assert net(gw, "paper") == {option.symbol: 0}
    # The paper broker has a protection field: each child went as MARKET with it.
    for child in sliced["slices"]:
        sent = child["sent"]
        assert (sent["order_type"], sent["protection"], sent["price"]) == ("MARKET", "field", None)
        assert Decimal(sent["market_protection_pct"]) == Decimal(2)
        assert paper.market_protection(child["order_id"]) == Decimal(2)
    # Each child is a ledger leg of the exit, acknowledged, with its slice position.
    trace = (await gw.client.get(f"/api/v1/requests/{body['request_id']}")).json()["data"]
    assert [(leg["broker_tag"], leg["state"]) for leg in trace["legs"]] == [
        (tag, "acknowledged") for tag in tags
    ]
    assert [leg["request"]["slice"]["index"] for leg in trace["legs"]] == [0, 1, 2]
    booked = len(paper.orders())

    again = await gw.client.post(EXIT, params={"accounts": "paper"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == response.content
    fresh = await gw.client.post(
        EXIT, params={"accounts": "paper"}, headers={"Idempotency-Key": "exit-again"}
    )
    assert fresh.json()["results"][0]["data"]["positions"] == []  # flat: nothing to exit
    assert len(paper.orders()) == booked
    # New orders stay refused under the kill switch.
    refused = await gw.client.post(
        "/api/v1/orders",
        json={
            "accounts": ["paper"],
            "exchange": "NFO",
            "symbol": option.symbol,
            "side": "BUY",
            "quantity": 75,
            "product": "NRML",
        },
    )
    assert refused.status_code == 423
    assert len(paper.orders()) == booked


async def test_two_positions_above_the_freeze_quantity_get_distinct_child_tags(
    gw: InProcessGateway,
) -> None:
    near, far = nifty_call(gw, "paper", "24000"), nifty_call(gw, "paper", "23500")
    await go_long(gw, "paper", near, 4500)
    await go_long(gw, "paper", far, 3750)
    paper = broker_of(gw, "paper")
    await engage(gw)

    response = await gw.client.post(
        EXIT, params={"accounts": "paper"}, headers={"Idempotency-Key": "exit-two"}
    )
    body = response.json()
    assert response.status_code == 200, body
    rows = {r["symbol"]: r for r in body["results"][0]["data"]["positions"]}
    assert set(rows) == {near.symbol, far.symbol}
    expected = {near.symbol: [1800, 1800, 900], far.symbol: [1800, 1800, 150]}
    children: list[str] = []
    for option in (near, far):
        row = rows[option.symbol]
        leg_tag = exit_tag("exit-two", "paper", option)
        assert (row["status"], row["tag"]) == ("success", leg_tag)
        slices = row["sliced"]["slices"]
        assert [(s["quantity"], s["status"]) for s in slices] == [
            (q, "success") for q in expected[option.symbol]
        ]
        quantity = sum(expected[option.symbol])
        assert [s["tag"] for s in slices] == child_tags("exit-two", leg_tag, quantity, 3)
        children += [s["tag"] for s in slices]
    assert len(set(children)) == 6  # no two children share a tag
    assert sorted(tag for tag, _ in sell_children(paper)) == sorted(children)
    assert net(gw, "paper") == {near.symbol: 0, far.symbol: 0}
    trace = (await gw.client.get(f"/api/v1/requests/{body['request_id']}")).json()["data"]
    assert sorted(leg["broker_tag"] for leg in trace["legs"]) == sorted(children)
    assert {leg["state"] for leg in trace["legs"]} == {"acknowledged"}


async def test_a_sliced_exit_reaches_a_limit_broker_as_protected_limits(
    gw: InProcessGateway,
) -> None:
    option = nifty_call(gw, "limits", "24000")
    limits = broker_of(gw, "limits")
    limits.set_price(SymbolRef(exchange=option.exchange, symbol=option.symbol), "200")
    await go_long(gw, "limits", option, 4500)
    await engage(gw)
    LimitPaper.received.clear()

    response = await gw.client.post(
        EXIT, params={"accounts": "limits"}, headers={"Idempotency-Key": "exit-limit"}
    )
    body = response.json()
    assert response.status_code == 200, body
    [row] = body["results"][0]["data"]["positions"]
    slices = row["sliced"]["slices"]
    # LTP 200, 2% default, a sell: 196.00, on the tick.
    for child in slices:
        sent = child["sent"]
        assert (sent["order_type"], sent["protection"]) == ("LIMIT", "limit")
        assert (Decimal(sent["price"]), Decimal(sent["reference_price"])) == (
            Decimal("196.00"),
            Decimal(200),
        )
    assert [(o.order_type, o.price, o.quantity) for o in LimitPaper.received] == [
        (OrderType.LIMIT, Decimal("196.00"), q) for q in (1800, 1800, 900)
    ]
    assert net(gw, "limits") == {option.symbol: 0}


@pytest.mark.parametrize("booked", [True, False], ids=["lost-after-booking", "never-booked"])
async def test_a_retry_after_a_lost_child_exits_the_rest_and_nothing_twice(
    gw: InProcessGateway, booked: bool
) -> None:
    option = nifty_call(gw, "losing", "24000")
    await go_long(gw, "losing", option, 4500)
    losing = broker_of(gw, "losing")
    await engage(gw)
    LosingPaper.book, LosingPaper.lose_at = booked, 2
    # The second child's reply is lost and the book cannot be read before the deadline:
    # its outcome stays unknown, the third child is not sent.
    losing.faults.fail_next(
        FaultKind.UNAVAILABLE, 10_000, operations={"find_orders_by_tag"}, retry_after=0.01
    )
    gw.runtime.safety.policy.base_delay = 0.001
    gw.runtime.safety.deadline_seconds = 0.5
    headers = {"Idempotency-Key": "exit-lost-child"}
    first = await gw.client.post(EXIT, params={"accounts": "losing"}, headers=headers)
    body = first.json()
    assert first.status_code == 202, body
    [result] = body["results"]
    assert (result["status"], result["error_code"]) == ("unknown", "OUTCOME_UNKNOWN")
    [row] = result["data"]["positions"]
    assert [s["status"] for s in row["sliced"]["slices"]] == ["success", "unknown", "not_sent"]
    assert net(gw, "losing") == {option.symbol: 900 if booked else 2700}

    losing.faults.clear()
    gw.runtime.safety.deadline_seconds = 10.0
    second = await gw.client.post(EXIT, params={"accounts": "losing"}, headers=headers)
    assert "Idempotent-Replayed" not in second.headers  # not final: run again
    assert second.json()["status"] == "success", second.json()
    # Flat, and the children sold exactly the position: nothing was exited twice.
    assert net(gw, "losing") == {option.symbol: 0}
    assert sum(quantity for _, quantity in sell_children(losing)) == 4500
    tags = [tag for tag, _ in sell_children(losing)]
    assert len(set(tags)) == len(tags)


async def test_the_openapi_document_types_a_sliced_exit(gw: InProcessGateway) -> None:
    spec = (await gw.client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    sliced = schemas["PositionExit"]["properties"]["sliced"]
    refs = {s.get("$ref") for s in sliced["anyOf"]}
    assert refs == {"#/components/schemas/SlicedLeg", None}
    assert "slices" in schemas["SlicedLeg"]["required"]
