"""Wire details where m.Stock's docs and its official SDK disagree: the adapter follows the
SDK (the form known to work in production), and each choice stays configurable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest_asyncio
from ordo.domain import Exchange, OrderModification, OrderRequest, OrderType, Product, Side
from ordo.safety.tags import order_tag
from ordo_adapter_mirae import forms
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.testing import PASSWORD, USERNAME, MiraeHarness

TAG = order_tag("tests", "wire-1", "0")
SDK_MODIFY_FIELDS = {
    "order_type",
    "quantity",
    "price",
    "validity",
    "trigger_price",
    "disclosed_quantity",
}


def intraday_limit() -> OrderRequest:
    return OrderRequest(
        exchange=Exchange.NSE,
        symbol="SBIN",
        side=Side.BUY,
        quantity=2,
        order_type=OrderType.LIMIT,
        price=Decimal("700.00"),
        product=Product.MIS,
    )


@pytest_asyncio.fixture
async def resending(harness: MiraeHarness) -> AsyncIterator[MiraeAdapter]:
    adapter = harness.create_adapter("mirae-resend", modify_resends_instrument=True)
    await adapter.start()
    await harness.login(adapter)
    yield adapter
    await adapter.aclose()


async def test_login_sends_the_sdk_field_names_by_default(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    assert harness.broker.calls[0] == ("POST", "/openapi/typea/connect/login")
    assert harness.broker.forms[0] == {"Username": USERNAME, "Password": PASSWORD}


async def test_login_field_names_are_configurable(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter("mirae-docs", login_field_names=("username", "password"))
    try:
        await adapter.start()
        await harness.login(adapter)
        assert harness.broker.forms[0] == {"username": USERNAME, "password": PASSWORD}
        assert (await adapter.get_funds()).available > 0
    finally:
        await adapter.aclose()


async def test_modify_of_an_intraday_order_sends_no_product(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    ack = await adapter.place_order(intraday_limit(), TAG)
    # The book reports this MIS order as INTRADAY, which the place call does not take.
    assert harness.broker.book.order_rows()[-1]["product"] == "INTRADAY"
    await adapter.modify_order(ack.order_id, OrderModification(price=Decimal("705")))
    assert set(harness.broker.forms[-1]) == SDK_MODIFY_FIELDS
    assert (await adapter.get_order(ack.order_id)).price == Decimal("705")


async def test_resending_the_instrument_maps_the_product_back(
    harness: MiraeHarness, resending: MiraeAdapter
) -> None:
    ack = await resending.place_order(intraday_limit(), TAG)
    await resending.modify_order(ack.order_id, OrderModification(quantity=3))
    form = harness.broker.forms[-1]
    assert set(form) == SDK_MODIFY_FIELDS | {
        "tradingsymbol",
        "exchange",
        "transaction_type",
        "product",
    }
    assert (form["product"], form["tradingsymbol"], form["quantity"]) == ("MIS", "SBIN-EQ", "3")
    order = await resending.get_order(ack.order_id)
    assert (order.quantity, order.product) == (3, Product.MIS)


def test_place_product_of_book_products() -> None:
    assert [forms.place_product(p) for p in ("INTRADAY", "cnc", "MTF", "NRML", "CO", "")] == [
        "MIS",
        "CNC",
        "MTF",
        "NRML",
        None,
        None,
    ]
