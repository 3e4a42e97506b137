"""Funds, holdings and positions."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ordo.domain.enums import Exchange, Product


class Funds(BaseModel):
    """Money available to trade, in INR."""

    model_config = ConfigDict(frozen=True)

    available: Decimal
    """What a new order may use now."""
    used: Decimal = Decimal(0)
    total: Decimal
    collateral: Decimal = Decimal(0)


class Holding(BaseModel):
    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: str
    quantity: int
    average_price: Decimal
    last_price: Decimal | None = None
    pnl: Decimal | None = None
    isin: str | None = None
    t1_quantity: int = 0


class Position(BaseModel):
    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: str
    product: Product
    quantity: int
    """Net quantity: positive long, negative short."""
    average_price: Decimal
    last_price: Decimal | None = None
    buy_quantity: int = 0
    sell_quantity: int = 0
    buy_average: Decimal | None = None
    sell_average: Decimal | None = None
    realised_pnl: Decimal = Decimal(0)
    unrealised_pnl: Decimal = Decimal(0)
