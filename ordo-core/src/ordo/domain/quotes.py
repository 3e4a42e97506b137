"""Snapshot market data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ordo.domain.enums import Exchange


class Quote(BaseModel):
    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: str
    last_price: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    """Previous session's close."""
    volume: int | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    timestamp: datetime | None = None


class SymbolError(BaseModel):
    """One symbol of a quote batch the account could not quote (unknown to its broker's
    instrument master); the other symbols of the batch are still quoted."""

    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: str
    error_code: str
    message: str
