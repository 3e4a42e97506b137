"""``external_reference_number``: sent as a JSON number as the docs show (configurable), and
the order book's echo read whether it comes back as that number, the digits as a string, or
a prefixed string; ``find_orders_by_tag`` finds the order in each case."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.domain import Exchange, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_adapter_hdfc.fake import create_app
from ordo_adapter_hdfc.fake.reference import ReferenceEcho, echo_reference, reference_refusal
from ordo_adapter_hdfc.fake.state import FakeBroker, FakeConfig
from ordo_adapter_hdfc.mapping import reference_to_broker, tag_to_reference
from ordo_adapter_hdfc.testing import HdfcHarness

RESTING = OrderRequest(
    exchange=Exchange.NSE,
    symbol="SBIN",
    side=Side.BUY,
    quantity=1,
    order_type=OrderType.LIMIT,
    price=Decimal("700.00"),
)


@pytest.mark.parametrize("echo", ["prefixed", "number", "string"])
@pytest.mark.parametrize("as_number", [True, False])
async def test_find_orders_by_tag_on_every_echo(
    tmp_path: Path, echo: ReferenceEcho, as_number: bool
) -> None:
    harness = HdfcHarness(tmp_path, FakeConfig(reference_echo=echo))
    adapter = harness.create_adapter(reference_as_number=as_number)
    try:
        await adapter.start()
        await harness.login(adapter)
        tag, other = order_tag("ref", "k", "0"), order_tag("ref", "k", "1")
        ack = await adapter.place_order(RESTING, tag)
        await adapter.place_order(RESTING, other)
        sent = harness.broker.book.orders[ack.order_id].body["external_reference_number"]
        assert sent == (int(tag_to_reference(tag)) if as_number else tag_to_reference(tag))
        assert type(sent) is (int if as_number else str)
        echoed = harness.broker.book.order_rows()[0]["external_reference_number"]
        assert echoed == echo_reference(sent, echo)
        found = await adapter.find_orders_by_tag(tag)
        assert [(o.order_id, o.tag) for o in found] == [(ack.order_id, tag)]
        assert (await adapter.get_order(ack.order_id)).tag == tag
        assert await adapter.find_orders_by_tag(order_tag("ref", "k", "9")) == []
    finally:
        await adapter.aclose()
        await harness.aclose()


def test_reference_is_at_most_twenty_digits() -> None:
    tag = order_tag("a", "b", "c")
    number = reference_to_broker(tag)
    assert isinstance(number, int)
    assert 0 < number < 10**20
    assert reference_to_broker(tag, as_number=False) == str(number)


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        (12345678901234567890, False),
        ("12345678901234567890", False),
        (123456789012345678901, True),
        ("STAPI123", True),
        (12.5, True),
        (True, True),
        ("", False),
        (None, False),
    ],
)
def test_the_fake_reads_references_as_the_docs_say(value: Any, refused: bool) -> None:
    assert (reference_refusal(value) is not None) is refused


async def test_the_fake_refuses_a_bad_reference_over_http() -> None:
    broker = FakeBroker()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(broker)), base_url="http://fake"
    ) as client:
        token = await _login(client, broker)
        body = {
            "exchange": "NSE",
            "security_id": "SBIINDEQNR",
            "instrument_segment": "EQUITY",
            "transaction_type": "BUY",
            "product": "DELIVERY",
            "order_type": "LIMIT",
            "quantity": 1,
            "price": 700.0,
            "trigger_price": 0,
            "validity": "DAY",
            "external_reference_number": 10**20,
        }
        reply = await client.post(
            "/oapi/v1/orders/regular",
            params={"api_key": broker.config.api_key},
            headers={"Authorization": token, "User-Agent": "Mozilla/5.0"},
            json=body,
        )
        assert reply.status_code == 400
        assert "max 20" in reply.json()["message"]


async def _login(client: httpx.AsyncClient, broker: FakeBroker) -> str:
    key = {"api_key": broker.config.api_key}
    token_id = (await client.get("/oapi/v1/login", params=key)).json()["tokenId"]
    ids = key | {"token_id": token_id}
    creds = {"username": broker.config.username, "password": broker.config.password}
    await client.post("/oapi/v1/login/validate", params=ids, json=creds)
    twofa = await client.post("/oapi/v1/twofa/validate", params=ids, json={"answer": "123456"})
    consent = ids | {"consent": "True", "request_token": twofa.json()["requestToken"]}
    authorised = await client.get("/oapi/v1/authorise", params=consent)
    access = await client.post(
        "/oapi/v1/access-token",
        params=key | {"request_token": authorised.json()["requestToken"]},
        json={"apiSecret": broker.config.api_secret},
    )
    token: str = access.json()["accessToken"]
    return token
