"""Issue 17 points 6 and 8 through the whole gateway over the paper broker.

No naked market orders: a MARKET order reaches a broker with a protection field as MARKET
with its percentage, and any other broker as a LIMIT priced from a fresh quote; the result
and the ledger say what was sent. Freeze quantities: an order above its derivative's freeze
quantity is refused with ``FREEZE_QUANTITY_EXCEEDED`` or, with ``"slice": true``, sent as
tagged child orders; a retry of its key books none more; a child whose reply was lost is
reconciled by its tag; the kill switch stops the remaining children.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from ordo import hookimpl
from ordo.config import AccountConfig, load_settings
from ordo.domain import Instrument, OrderAck, OrderRequest, OrderType, SymbolRef
from ordo.domain.protection import MarketProtection
from ordo.plugins import create_plugins
from ordo.safety.tags import slice_tag
from ordo_adapter_mock import MockAdapter, PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "protection-slicing-token-5a1e"
STILL = {"price_volatility": 0.0, "orders_per_second": None, "orders_per_minute": None}
"""Paper settings with prices that stay where a test sets them."""


class LimitPaper(MockAdapter):
    """The paper broker without a protection field: Ordo must send protected LIMITs."""

    id: ClassVar[str] = "limitpaper"
    market_protection: ClassVar[MarketProtection] = MarketProtection.LIMIT
    received: ClassVar[list[OrderRequest]] = []

    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        type(self).received.append(order)
        return await super().place_order(order, tag)


class KillingPaper(MockAdapter):
    """Runs ``after_place`` once the ``engage_after``-th order is booked (the operator hits
    the kill switch while a sliced order is being sent)."""

    id: ClassVar[str] = "killingpaper"
    engage_after: ClassVar[int] = 2
    after_place: ClassVar[Callable[[], Awaitable[Any]] | None] = None

    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        ack = await super().place_order(order, tag)
        hook = type(self).after_place
        if hook is not None and len(self.broker.orders()) == type(self).engage_after:
            await hook()
        return ack


class Plugin:
    __name__ = "protection_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(LimitPaper)
        register(KillingPaper)


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    LimitPaper.received.clear()
    KillingPaper.after_place = None
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        # The lost-reply test keeps the book unreadable for a while: no breaker trip.
        breaker_fail_max=100_000,
        accounts={
            "paper": AccountConfig(adapter="mock", settings=STILL),
            "limits": AccountConfig(adapter="limitpaper", settings=STILL),
            "killer": AccountConfig(adapter="killingpaper", settings=STILL),
            # Refuses (RATE_LIMITED) any order beyond 2 per second, as a broker would.
            "paced": AccountConfig(
                adapter="mock",
                settings={
                    **STILL,
                    "orders_per_second": 2,
                    "enforce_rate_limits": True,
                },
            ),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as g:
        yield g


def broker_of(gw: InProcessGateway, account: str) -> PaperBroker:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter.broker


def order(account: str, **extra: Any) -> dict[str, Any]:
    return {
        "accounts": [account],
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 2,
        **extra,
    }


def nifty_call(gw: InProcessGateway, account: str = "paper") -> Instrument:
    """A NIFTY call of the paper master (lot 75, freeze quantity 1800, about 235)."""
    return next(
        i
        for i in broker_of(gw, account).instruments()
        if i.underlying == "NIFTY" and i.symbol.endswith("CE") and i.strike == Decimal("24000")
    )


def sliced_order(gw: InProcessGateway, account: str, quantity: int, **extra: Any) -> dict[str, Any]:
    option = nifty_call(gw, account)
    return order(
        account,
        exchange="NFO",
        symbol=option.symbol,
        quantity=quantity,
        product="NRML",
        **extra,
    )


async def legs_of(gw: InProcessGateway, body: dict[str, Any]) -> list[dict[str, Any]]:
    reply = (await gw.client.get(f"/api/v1/requests/{body['request_id']}")).json()
    legs: list[dict[str, Any]] = reply["data"]["legs"]
    return legs


# -- point 6: no naked market orders -------------------------------------------------------
async def test_a_market_order_reaches_a_field_broker_with_its_protection(
    gw: InProcessGateway,
) -> None:
    placed = await gw.client.post("/api/v1/orders", json=order("paper"))
    body = placed.json()
    assert placed.status_code == 200, body
    [result] = body["results"]
    sent = result["data"]["sent"]
    assert sent["order_type"] == "MARKET"
    assert (sent["protection"], Decimal(sent["market_protection_pct"])) == ("field", Decimal(2))
    assert sent["price"] is None
    paper = broker_of(gw, "paper")
    assert paper.market_protection(result["data"]["order_id"]) == Decimal("2")
    [leg] = await legs_of(gw, body)
    assert leg["request"]["sent"] == sent
    assert leg["request"]["order_type"] == "MARKET"  # what the client asked for

    own = await gw.client.post("/api/v1/orders", json=order("paper", market_protection_pct="5"))
    order_id = own.json()["results"][0]["data"]["order_id"]
    assert paper.market_protection(order_id) == Decimal("5")
    limit = await gw.client.post(
        "/api/v1/orders", json=order("paper", order_type="LIMIT", price="790.00")
    )
    data = limit.json()["results"][0]["data"]
    assert "sent" not in data  # a LIMIT order goes as asked
    assert paper.market_protection(data["order_id"]) is None


async def test_a_market_order_reaches_a_limit_broker_as_a_protected_limit(
    gw: InProcessGateway,
) -> None:
    broker_of(gw, "limits").set_price(SymbolRef.parse("NSE:SBIN"), "800")
    buy = (await gw.client.post("/api/v1/orders", json=order("limits"))).json()
    [result] = buy["results"]
    assert result["status"] == "success", buy
    sent = result["data"]["sent"]
    # LTP 800, 2% default: the cap 816.00 is on the tick.
    assert (sent["order_type"], Decimal(sent["price"])) == ("LIMIT", Decimal("816.00"))
    assert (sent["protection"], Decimal(sent["reference_price"])) == ("limit", Decimal(800))
    [received] = LimitPaper.received
    assert (received.order_type, received.price) == (OrderType.LIMIT, Decimal("816.00"))
    booked = broker_of(gw, "limits").orders()[0]
    assert (booked.order_type, booked.price) == (OrderType.LIMIT, Decimal("816.00"))
    [leg] = await legs_of(gw, buy)
    assert leg["request"]["sent"]["price"] == sent["price"]

    broker_of(gw, "limits").set_price(SymbolRef.parse("NSE:SBIN"), "801.30")
    sell = await gw.client.post(
        "/api/v1/orders",
        json=order("limits", side="SELL", product="MIS", market_protection_pct="2"),
    )
    sent = sell.json()["results"][0]["data"]["sent"]
    # A fresh quote: 801.30 x 0.98 = 785.274, rounded UP to the tick for a sell.
    assert Decimal(sent["price"]) == Decimal("785.30")
    assert LimitPaper.received[-1].price == Decimal("785.30")

    stop = await gw.client.post(
        "/api/v1/orders",
        json=order("limits", side="SELL", product="MIS", order_type="SL-M", trigger_price="790.00"),
    )
    sent = stop.json()["results"][0]["data"]["sent"]
    # A stop-market order is protected from its trigger: 790 x 0.98 = 774.20.
    assert (sent["order_type"], Decimal(sent["price"])) == ("SL", Decimal("774.20"))
    last = LimitPaper.received[-1]
    assert (last.order_type, last.trigger_price) == (OrderType.SL, Decimal("790.00"))


@pytest.mark.parametrize("pct", ["0", "20.01", "-1", "25", "two"])
async def test_a_protection_outside_its_range_is_refused_naming_the_field(
    gw: InProcessGateway, pct: str
) -> None:
    r = await gw.client.post("/api/v1/orders", json=order("paper", market_protection_pct=pct))
    assert r.status_code == 422
    assert r.json()["message"].startswith("market_protection_pct: ")
    assert broker_of(gw, "paper").calls.count("place_order") == 0


# -- point 8: freeze quantities -----------------------------------------------------------
async def test_slice_on_a_cash_order_is_refused_naming_the_field(gw: InProcessGateway) -> None:
    r = await gw.client.post("/api/v1/orders", json=order("paper", slice=True))
    assert r.status_code == 422
    body = r.json()
    assert body["error_code"] == "SLICE_NOT_DERIVATIVE"
    assert body["message"].startswith("slice: ")
    assert "derivatives" in body["message"]


async def test_above_the_freeze_quantity_is_refused_naming_the_limit(
    gw: InProcessGateway,
) -> None:
    r = await gw.client.post("/api/v1/orders", json=sliced_order(gw, "paper", 1875))
    body = r.json()
    assert r.status_code == 422, body
    [result] = body["results"]
    assert result["error_code"] == "FREEZE_QUANTITY_EXCEEDED"
    assert "1800" in result["message"]
    assert result["data"] == {"freeze_quantity": 1800}
    assert not result["retryable"]
    assert broker_of(gw, "paper").orders() == []
    [leg] = await legs_of(gw, body)
    assert (leg["state"], leg["error_code"]) == ("rejected", "FREEZE_QUANTITY_EXCEEDED")
    at_limit = await gw.client.post("/api/v1/orders", json=sliced_order(gw, "paper", 1800))
    assert at_limit.json()["results"][0]["status"] == "success", at_limit.json()


async def test_five_times_the_freeze_quantity_books_five_children_once(
    gw: InProcessGateway,
) -> None:
    headers = {"Idempotency-Key": "slice-five"}
    payload = sliced_order(gw, "paper", 5 * 1800, slice=True)
    first = await gw.client.post("/api/v1/orders", json=payload, headers=headers)
    body = first.json()
    assert first.status_code == 200, body
    [result] = body["results"]
    data = result["data"]
    assert (data["sliced"], data["quantity"], data["freeze_quantity"]) == (True, 9000, 1800)
    tags = [slice_tag("default", "slice-five", "paper", i) for i in range(5)]
    assert [s["tag"] for s in data["slices"]] == tags
    assert [(s["index"], s["quantity"], s["status"]) for s in data["slices"]] == [
        (i, 1800, "success") for i in range(5)
    ]
    paper = broker_of(gw, "paper")
    booked = paper.orders()
    assert sorted(o.tag or "" for o in booked) == sorted(tags)
    assert [o.quantity for o in booked] == [1800] * 5
    assert data["order_ids"] == [o.order_id for o in booked]
    legs = await legs_of(gw, body)
    assert [(leg["broker_tag"], leg["state"]) for leg in legs] == [
        (tag, "acknowledged") for tag in tags
    ]
    assert [leg["request"]["slice"]["index"] for leg in legs] == list(range(5))

    again = await gw.client.post("/api/v1/orders", json=payload, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert len(paper.orders()) == 5
    assert paper.calls.count("place_order") == 5


async def test_children_are_paced_by_the_rate_limiter(gw: InProcessGateway) -> None:
    r = await gw.client.post("/api/v1/orders", json=sliced_order(gw, "paced", 5 * 1800, slice=True))
    body = r.json()
    assert r.status_code == 200, body
    paced = broker_of(gw, "paced")
    assert len(paced.orders()) == 5
    # Every child went through the limiter: the broker never had to refuse one.
    assert paced.calls.outcomes("place_order") == {"ok": 5}
    assert paced.calls.max_in_window(1.0, "place_order", reached=True) <= 2


async def test_a_child_left_unknown_is_reconciled_by_its_tag_on_retry(
    gw: InProcessGateway,
) -> None:
    paper = broker_of(gw, "paper")
    faults = paper.faults
    # The first child is booked but its reply is lost, and the book cannot be read before
    # the deadline: its outcome stays unknown and the other children wait.
    faults.fail_next(FaultKind.OUTCOME_UNKNOWN, operations={"place_order"})
    faults.fail_next(
        FaultKind.UNAVAILABLE, 10_000, operations={"find_orders_by_tag"}, retry_after=0.01
    )
    gw.runtime.safety.policy.base_delay = 0.001
    gw.runtime.safety.deadline_seconds = 0.5
    headers = {"Idempotency-Key": "slice-lost"}
    payload = sliced_order(gw, "paper", 3 * 1800, slice=True)
    lost = await gw.client.post("/api/v1/orders", json=payload, headers=headers)
    body = lost.json()
    assert lost.status_code == 202, body
    [result] = body["results"]
    assert (result["status"], result["error_code"]) == ("unknown", "OUTCOME_UNKNOWN")
    statuses = [s["status"] for s in result["data"]["slices"]]
    assert statuses == ["unknown", "not_sent", "not_sent"]
    assert len(paper.orders()) == 1  # the lost child was booked

    faults.clear()
    gw.runtime.safety.deadline_seconds = 10.0
    retried = await gw.client.post("/api/v1/orders", json=payload, headers=headers)
    body = retried.json()
    assert retried.status_code == 200, body["results"][0]["message"]
    slices = body["results"][0]["data"]["slices"]
    assert [(s["status"], s["reconciled"]) for s in slices] == [
        ("success", True),
        ("success", False),
        ("success", False),
    ]
    tags = [slice_tag("default", "slice-lost", "paper", i) for i in range(3)]
    assert sorted(o.tag or "" for o in paper.orders()) == sorted(tags)  # each exactly once


async def test_the_kill_switch_stops_the_remaining_children(gw: InProcessGateway) -> None:
    async def engage() -> None:
        await gw.runtime.kill_switch.activate("test: stop slicing", "test")

    KillingPaper.after_place = engage
    KillingPaper.engage_after = 2
    payload = sliced_order(gw, "killer", 5 * 1800, slice=True)
    r = await gw.client.post(
        "/api/v1/orders", json=payload, headers={"Idempotency-Key": "slice-kill"}
    )
    body = r.json()
    assert r.status_code == 423, body
    [result] = body["results"]
    assert result["error_code"] == "KILL_SWITCH_ACTIVE"
    assert "2 of 5 slices placed" in result["message"]
    statuses = [s["status"] for s in result["data"]["slices"]]
    assert statuses == ["success", "success", "not_sent", "not_sent", "not_sent"]
    assert len(result["data"]["order_ids"]) == 2
    assert len(broker_of(gw, "killer").orders()) == 2
    legs = await legs_of(gw, body)
    assert [leg["state"] for leg in legs] == ["acknowledged", "acknowledged"]


async def test_a_modification_to_market_is_refused_where_it_cannot_be_protected(
    gw: InProcessGateway,
) -> None:
    resting = {"order_type": "LIMIT", "price": "700.00"}
    broker_of(gw, "limits").set_price(SymbolRef.parse("NSE:SBIN"), "800")
    placed = (await gw.client.post("/api/v1/orders", json=order("limits", **resting))).json()
    order_id = placed["results"][0]["data"]["order_id"]
    r = await gw.client.patch(f"/api/v1/orders/limits/{order_id}", json={"order_type": "MARKET"})
    [result] = r.json()["results"]
    assert (r.status_code, result["error_code"]) == (422, "CAPABILITY_NOT_SUPPORTED")
    assert "LIMIT" in result["message"]
    limits = broker_of(gw, "limits")
    assert limits.calls.count("modify_order") == 0
    assert limits.orders()[0].order_type is OrderType.LIMIT
    # A broker with a protection field takes the modification.
    placed = (await gw.client.post("/api/v1/orders", json=order("paper", **resting))).json()
    order_id = placed["results"][0]["data"]["order_id"]
    r = await gw.client.patch(f"/api/v1/orders/paper/{order_id}", json={"order_type": "MARKET"})
    assert r.json()["results"][0]["status"] == "success", r.json()


async def test_each_account_shows_how_its_broker_takes_market_orders(
    gw: InProcessGateway,
) -> None:
    accounts = (await gw.client.get("/api/v1/accounts")).json()["data"]
    modes = {a["name"]: a["market_protection"] for a in accounts}
    assert modes == {"paper": "field", "limits": "limit", "killer": "field", "paced": "field"}
