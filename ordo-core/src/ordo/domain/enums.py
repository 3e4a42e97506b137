"""Enumerations shared by every broker: the unified vocabulary of Ordo."""

from __future__ import annotations

from enum import StrEnum


class Exchange(StrEnum):
    """Exchange segments in the symbology Indian algo traders already use."""

    NSE = "NSE"
    BSE = "BSE"
    NFO = "NFO"
    BFO = "BFO"
    MCX = "MCX"
    CDS = "CDS"
    NSE_INDEX = "NSE_INDEX"
    BSE_INDEX = "BSE_INDEX"


DERIVATIVE_EXCHANGES = frozenset({Exchange.NFO, Exchange.BFO, Exchange.MCX, Exchange.CDS})
"""Exchanges whose instruments are derivatives (futures and options: NRML products,
exchange freeze quantities)."""


class InstrumentType(StrEnum):
    EQUITY = "EQ"
    FUTURE = "FUT"
    CALL = "CE"
    PUT = "PE"
    INDEX = "INDEX"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    SL = "SL"
    """Stop-loss limit: triggers at ``trigger_price``, then rests at ``price``."""
    SL_M = "SL-M"
    """Stop-loss market: triggers at ``trigger_price``, then fills at market."""


class Product(StrEnum):
    CNC = "CNC"
    """Cash and carry (delivery) equity."""
    MIS = "MIS"
    """Intraday, squared off by the broker before the close."""
    NRML = "NRML"
    """Carry-forward derivatives."""


class Validity(StrEnum):
    DAY = "DAY"
    IOC = "IOC"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    """Accepted by the broker, not yet confirmed at the exchange."""
    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER_PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        return not self.is_terminal


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)
