"""Instruments and the unified ``EXCHANGE:SYMBOL`` reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ordo.domain.enums import Exchange, InstrumentType


class SymbolRef(BaseModel):
    """A unified instrument reference such as ``NSE:SBIN`` or ``NFO:NIFTY30JAN2521500CE``."""

    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9&_\-.]+$")]

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _split(value)
        return value

    @classmethod
    def parse(cls, text: str) -> SymbolRef:
        """Parse ``EXCHANGE:SYMBOL``; raises ``ValueError`` with a readable message."""
        return cls.model_validate(_split(text))

    def __str__(self) -> str:
        return f"{self.exchange.value}:{self.symbol}"


def _split(text: str) -> dict[str, str]:
    exchange, sep, symbol = text.strip().partition(":")
    if not sep or not exchange or not symbol:
        raise ValueError(f"{text!r} is not of the form EXCHANGE:SYMBOL (for example NSE:SBIN)")
    return {"exchange": exchange.upper(), "symbol": symbol.upper()}


class Instrument(BaseModel):
    """A tradable (or quotable) instrument as a broker's master describes it."""

    model_config = ConfigDict(frozen=True)

    exchange: Exchange
    symbol: str
    name: str = ""
    instrument_type: InstrumentType = InstrumentType.EQUITY
    lot_size: Annotated[int, Field(ge=1)] = 1
    tick_size: Annotated[Decimal, Field(gt=0)] = Decimal("0.05")
    tradable: bool = True
    expiry: date | None = None
    strike: Decimal | None = None
    underlying: str | None = None
    isin: str | None = None
    broker_token: str | None = None
    """The broker's own id for the instrument (ticker, security id, scrip token)."""
    freeze_quantity: Annotated[int, Field(ge=1)] | None = None
    """The exchange's largest quantity for one order of this derivative (NSE "freeze
    quantity"), when the broker's master carries it; ``None`` otherwise."""

    @property
    def is_derivative(self) -> bool:
        return self.instrument_type in (
            InstrumentType.FUTURE,
            InstrumentType.CALL,
            InstrumentType.PUT,
        )

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(exchange=self.exchange, symbol=self.symbol)
