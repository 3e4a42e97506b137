"""Fixtures of the paper broker's tests: fixed trading day, fixed seed, explicit prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.domain import OrderRequest, OrderType, Product, Side
from ordo_adapter_mock import MockAdapter, MockSettings, PaperBroker

AS_OF = date(2025, 1, 15)


def request(
    symbol: str = "SBIN",
    side: Side = Side.BUY,
    quantity: int = 10,
    order_type: OrderType = OrderType.MARKET,
    *,
    exchange: str = "NSE",
    product: Product = Product.CNC,
    price: str | None = None,
    trigger: str | None = None,
    **extra: object,
) -> OrderRequest:
    """A compact OrderRequest builder for tests."""
    return OrderRequest.model_validate(
        {
            "exchange": exchange,
            "symbol": symbol,
            "side": side,
            "quantity": quantity,
            "order_type": order_type,
            "product": product,
            "price": None if price is None else Decimal(price),
            "trigger_price": None if trigger is None else Decimal(trigger),
            **extra,
        }
    )


@pytest.fixture
def make_request() -> Callable[..., OrderRequest]:
    return request


@pytest.fixture
def broker() -> PaperBroker:
    """A broker with SBIN at exactly 800 and one lakh of cash."""
    paper = PaperBroker(as_of=AS_OF, seed=1, starting_cash=Decimal("100000"))
    paper.set_price("NSE:SBIN", "800")
    return paper


@pytest.fixture
def settings() -> MockSettings:
    return MockSettings(seed=3, as_of=AS_OF)


@pytest.fixture
def adapter(settings: MockSettings, tmp_path: Path) -> MockAdapter:
    return MockAdapter(settings, AdapterContext(account="paper", data_dir=tmp_path))
