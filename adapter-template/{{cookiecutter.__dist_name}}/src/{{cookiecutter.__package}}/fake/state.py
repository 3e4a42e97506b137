"""State of the toy broker: logins, sessions, fault switches, and one account in Ordo's
neutral matching engine (``ordo_testing.matching``), which owns the book, fills, funds,
positions and holdings. Only the toy broker's vocabulary lives here."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

from fastapi import Request
from ordo_testing.matching import HoldingLot, Listing, MatchingEngine


@dataclass
class Scrip:
    token: str
    exch: str
    sym: str
    name: str
    ltp: Decimal
    lot: int = 1
    tick: Decimal = Decimal("0.05")
    tradable: bool = True


def default_scrips() -> list[Scrip]:
    return [
        Scrip("1001", "NSE", "TOYCO", "Toy Company", Decimal("100.00")),
        Scrip("1002", "NSE", "GADGET", "Gadget Works", Decimal("250.50")),
        Scrip("1003", "NSE", "FROZEN", "Frozen Industries", Decimal("75.00"), tradable=False),
    ]


class BrokerError(Exception):
    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


@dataclass
class FakeBroker:
    """The fake's state; tests flip its fault switches and move prices directly."""

    client_id: str = "TOY001"
    password: str = "toy-password"
    otp: str = "246810"
    session_seconds: int = 6 * 3600
    scrips: list[Scrip] = field(default_factory=default_scrips)
    cash: Decimal = Decimal("100000.00")
    tokens: dict[str, float] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    rate_limited: list[float] = field(default_factory=list)
    engine: MatchingEngine = field(init=False)

    def __post_init__(self) -> None:
        ids = itertools.count(240_000_001)
        self.engine = MatchingEngine(
            [Listing(s.token, s.ltp, s.lot, s.tick, s.tradable) for s in self.scrips],
            cash=self.cash,
            holdings=[HoldingLot("1001", 10, Decimal("90.00"))],
            order_ids=lambda: str(next(ids)),
        )

    # -- fault switches and market ------------------------------------------------------
    def expire_sessions(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def rate_limit_next(self, retry_after: float) -> None:
        self.rate_limited.append(retry_after)

    def set_price(self, token: str, price: Decimal) -> None:
        """Move the market: resting orders and stops react as at an exchange."""
        self.engine.set_price(token, price)

    # -- helpers ------------------------------------------------------------------------
    def scrip(self, token: str) -> Scrip:
        for s in self.scrips:
            if s.token == token:
                return s
        raise BrokerError(400, "E_SCRIP", f"unknown scrip token {token}")

    def last_price(self, token: str) -> Decimal:
        return self.engine.listing(self.scrip(token).token).last_price

    def check_token(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        if self.tokens.get(token, 0.0) <= time.time():
            raise BrokerError(401, "E_SESSION", "session invalid or expired")
