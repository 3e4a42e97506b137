"""The unified vocabulary of Ordo, as the client sends and receives it.

These mirror the server's enumerations value for value; the drift test compares them with the
live OpenAPI document.
"""

from __future__ import annotations

from enum import StrEnum


class Exchange(StrEnum):
    """Exchange segments (``NSE:SBIN``, ``NFO:NIFTY30JAN25FUT``)."""

    NSE = "NSE"
    BSE = "BSE"
    NFO = "NFO"
    BFO = "BFO"
    MCX = "MCX"
    CDS = "CDS"
    NSE_INDEX = "NSE_INDEX"
    BSE_INDEX = "BSE_INDEX"


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
    SL_M = "SL-M"


class Product(StrEnum):
    CNC = "CNC"
    MIS = "MIS"
    NRML = "NRML"


class Validity(StrEnum):
    DAY = "DAY"
    IOC = "IOC"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER_PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_terminal(self) -> bool:
        """True once the order can no longer change (filled, cancelled, rejected, expired)."""
        return self in (
            OrderStatus.FILLED,
            OrderStatus.CANCELLED,
            OrderStatus.REJECTED,
            OrderStatus.EXPIRED,
        )


class LegStatus(StrEnum):
    """The outcome of one account's leg of a fanned-out request."""

    SUCCESS = "success"
    ERROR = "error"
    UNKNOWN = "unknown"
    """The broker may have acted; the gateway has not yet been able to decide."""


class ChallengeKind(StrEnum):
    OTP = "otp"
    TOTP = "totp"
    PIN = "pin"
    PASSWORD = "password"
    REDIRECT_URL = "redirect_url"
    AUTH_CODE = "auth_code"


class SessionState(StrEnum):
    NONE = "none"
    PENDING_CHALLENGE = "pending_challenge"
    ACTIVE = "active"
    EXPIRED = "expired"
