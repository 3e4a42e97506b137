"""OpenAlgo's request bodies. Clients send numbers as strings ("10"); pydantic's lax mode
reads them. Fields OpenAlgo clients send that Ordo has no use for (``strategy``,
``target``, ``stoploss``...) are accepted and ignored, so existing scripts work unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from ordo.domain import OrderModification, OrderRequest, OrderType
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ordo_openalgo import translate

Quantity = Annotated[int, Field(gt=0, le=10_000_000)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    apikey: str
    strategy: str = ""


class OrderFields(BaseModel):
    """One order as OpenAlgo writes it (``placeorder``, a basket leg, ``splitorder``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    exchange: Annotated[str, Field(min_length=1, max_length=16)]
    action: Annotated[str, Field(min_length=1, max_length=8)]
    quantity: Quantity
    pricetype: str = "MARKET"
    product: str = "MIS"
    price: Amount = Decimal(0)
    trigger_price: Amount = Decimal(0)
    disclosed_quantity: Annotated[int, Field(ge=0)] = 0

    def order(self, quantity: int | None = None, action: str | None = None) -> OrderRequest:
        """Ordo's order. OpenAlgo sends price "0" where a price type takes none."""
        order_type = translate.price_type(self.pricetype)
        takes_price = order_type in (OrderType.LIMIT, OrderType.SL)
        takes_trigger = order_type in (OrderType.SL, OrderType.SL_M)
        return OrderRequest(
            exchange=translate.exchange(self.exchange),
            symbol=translate.symbol(self.symbol),
            side=translate.action(action or self.action),
            quantity=quantity if quantity is not None else self.quantity,
            order_type=order_type,
            product=translate.product(self.product),
            price=(self.price or None) if takes_price else None,
            trigger_price=(self.trigger_price or None) if takes_trigger else None,
            disclosed_quantity=self.disclosed_quantity,
        )


class PlaceOrder(Body, OrderFields):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class SmartOrder(PlaceOrder):
    quantity: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    position_size: Annotated[int, Field(ge=-10_000_000, le=10_000_000)]
    """The net position wanted (negative: short); the order is the difference."""


class BasketOrder(Body):
    orders: Annotated[list[OrderFields], Field(min_length=1, max_length=50)]
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class SplitOrder(PlaceOrder):
    splitsize: Annotated[int, Field(gt=0)]


class ModifyOrder(Body):
    orderid: Annotated[str, Field(min_length=1, max_length=64)]
    symbol: str = ""
    exchange: str = ""
    action: str = ""
    product: str = ""
    pricetype: str = "LIMIT"
    quantity: Quantity
    price: Amount = Decimal(0)
    trigger_price: Amount = Decimal(0)

    def changes(self) -> OrderModification:
        order_type = translate.price_type(self.pricetype)
        values: dict[str, Any] = {"quantity": self.quantity, "order_type": order_type}
        if order_type in (OrderType.LIMIT, OrderType.SL):
            values["price"] = self.price or None
        if order_type in (OrderType.SL, OrderType.SL_M):
            values["trigger_price"] = self.trigger_price or None
        return OrderModification(**values)


class OrderId(Body):
    orderid: Annotated[str, Field(min_length=1, max_length=64)]


class OpenPosition(Body):
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    exchange: Annotated[str, Field(min_length=1, max_length=16)]
    product: str

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        return translate.product(value).value


class SymbolQuery(Body):
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    exchange: Annotated[str, Field(min_length=1, max_length=16)]


class SymbolPair(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    exchange: Annotated[str, Field(min_length=1, max_length=16)]


class MultiQuotes(Body):
    symbols: Annotated[list[SymbolPair], Field(min_length=1, max_length=100)]


class Search(Body):
    query: Annotated[str, Field(min_length=1, max_length=64)]
    exchange: str | None = None


class Expiry(SymbolQuery):
    instrumenttype: str


class AnalyzerToggle(Body):
    mode: bool | str

    def analyze(self) -> bool:
        if isinstance(self.mode, bool):
            return self.mode
        text = self.mode.strip().lower()
        if text in ("analyze", "true", "1"):
            return True
        if text in ("live", "false", "0"):
            return False
        raise ValueError(f"mode {self.mode!r}: use true (analyze) or false (live)")
