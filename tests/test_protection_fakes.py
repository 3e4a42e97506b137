"""Issue 17 points 6 and 8 against each broker fake, through the whole gateway.

A MARKET order reaches Fyers, HDFC and m.Stock (none has a documented protection field on
its place call) as a LIMIT priced from the fake's own quote plus the protection and rounded
to the tick: asserted on what the fake recorded. A derivative order of five times its freeze
quantity (configured per underlying: the HDFC master has no freeze column) books exactly
five child orders at the HDFC fake, each carrying its own tag, and a retry of its key books
none more.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo.domain import Side
from ordo.domain.protection import protected_limit_price
from ordo.safety.tags import slice_tag, tag_to_number
from ordo_testing.server import InProcessGateway, gateway_in_process

from .test_order_events_fakes import ACCOUNT, CASES, TOKEN, BrokerCase, log_in, revealed

NIFTY_FREEZE = 50
"""The freeze quantity configured for NIFTY in these tests: one lot of the HDFC fake."""


def recorded(case: BrokerCase, order_id: str) -> tuple[str, Decimal]:
    """Order type and limit price of ``order_id`` as the fake recorded the place call."""
    fake: Any = case.fake
    if case.adapter == "hdfc":
        body = fake.book.orders[order_id].body  # the request body as sent
        return str(body["order_type"]), Decimal(str(body["price"]))
    booked = fake.book.orders[order_id]  # the fake's matching engine order
    return booked.order_type.value, Decimal(booked.price)


def settings_for(case: BrokerCase, tmp_path: Path) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path / "data",
        api_token=TOKEN,
        order_watch_interval_seconds=3600,
        compliance={"freeze_quantities": {"NIFTY": NIFTY_FREEZE}},
        accounts={ACCOUNT: AccountConfig(adapter=case.adapter, settings=revealed(case.settings))},
    )


async def quoted(gw: InProcessGateway, case: BrokerCase) -> Decimal:
    symbol = case.samples.equity
    reply = await gw.client.get(
        "/api/v1/quotes", params={"symbols": f"{symbol.exchange}:{symbol.symbol}"}
    )
    [result] = reply.json()["results"]
    return Decimal(str(result["data"][0]["last_price"]))


@pytest.mark.parametrize("broker", sorted(CASES))
async def test_a_market_order_reaches_the_fake_as_a_protected_limit(
    broker: str, tmp_path: Path
) -> None:
    case = CASES[broker](tmp_path)
    async with gateway_in_process(
        settings_for(case, tmp_path), token=TOKEN, transports={ACCOUNT: case.transport}
    ) as gw:
        await log_in(gw, case)
        last = await quoted(gw, case)
        symbol = case.samples.equity
        order = {
            "accounts": [ACCOUNT],
            "exchange": str(symbol.exchange),
            "symbol": symbol.symbol,
            "side": "BUY",
            "quantity": 1,
            "order_type": "MARKET",
            "product": "CNC",
            "market_protection_pct": "3",
        }
        placed = await gw.client.post("/api/v1/orders", json=order)
        body = placed.json()
        assert placed.status_code == 200, body
        [result] = body["results"]
        sent = result["data"]["sent"]
        assert (sent["order_type"], sent["protection"]) == ("LIMIT", "limit")
        assert Decimal(sent["reference_price"]) == last  # a fresh quote of the same fake
        expected = protected_limit_price(Side.BUY, last, Decimal(3), Decimal("0.05"))
        assert Decimal(sent["price"]) == expected
        assert expected <= last * Decimal("1.03")
        # What the fake itself received: a LIMIT at the protective price, never MARKET.
        assert recorded(case, result["data"]["order_id"]) == ("LIMIT", expected)


async def test_five_times_the_freeze_quantity_books_five_children_at_the_fake(
    tmp_path: Path,
) -> None:
    case = CASES["hdfc"](tmp_path)
    derivative = case.samples.derivative
    assert derivative is not None
    async with gateway_in_process(
        settings_for(case, tmp_path), token=TOKEN, transports={ACCOUNT: case.transport}
    ) as gw:
        await log_in(gw, case)
        order = {
            "accounts": [ACCOUNT],
            "exchange": str(derivative.exchange),
            "symbol": derivative.symbol,
            "side": "BUY",
            "quantity": 5 * NIFTY_FREEZE,
            "order_type": "LIMIT",
            "price": "320.00",
            "product": "NRML",
            "slice": True,
        }
        refused = await gw.client.post("/api/v1/orders", json={**order, "slice": False})
        [result] = refused.json()["results"]
        assert result["error_code"] == "FREEZE_QUANTITY_EXCEEDED"
        assert str(NIFTY_FREEZE) in result["message"]

        headers = {"Idempotency-Key": "fake-slices"}
        first = await gw.client.post("/api/v1/orders", json=order, headers=headers)
        body = first.json()
        assert first.status_code == 200, body
        [result] = body["results"]
        slices = result["data"]["slices"]
        assert [(s["quantity"], s["status"]) for s in slices] == [(NIFTY_FREEZE, "success")] * 5
        fake: Any = case.fake
        booked = list(fake.book.orders.values())
        assert len(booked) == 5
        tags = [slice_tag("default", "fake-slices", ACCOUNT, i) for i in range(5)]
        references = sorted(str(o.body["external_reference_number"]) for o in booked)
        assert references == sorted(tag_to_number(t) for t in tags)
        assert [int(o.body["quantity"]) for o in booked] == [NIFTY_FREEZE] * 5

        again = await gw.client.post("/api/v1/orders", json=order, headers=headers)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.content == first.content
        assert len(fake.book.orders) == 5
