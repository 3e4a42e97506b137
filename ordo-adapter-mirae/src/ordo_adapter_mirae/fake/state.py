"""State of the fake m.Stock broker around its order book: users and logins, tokens,
rate-limit windows and fault switches.

No HTTP here: ``fake`` turns requests into calls on ``FakeBroker`` (and its ``book``) and
their results into m.Stock envelopes. A ``FakeError`` carries the ``error_type``, message
and HTTP status m.Stock would answer with.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyotp
from ordo.adapters.clock import IST

from ordo_adapter_mirae.fake.book import OrderBook
from ordo_adapter_mirae.fake.rows import ORDER_TYPES, FakeError, sample_master_csv

TOKEN_MESSAGE = "Invalid request. Please try again."
API_KEY_MESSAGE = (
    "API is suspended/expired for use. Please check your API subscription and try again."
)
IP_MESSAGE = "Primary and Secondary IP Address are not matching with current IP address."
RATE_WINDOWS: dict[str, tuple[tuple[int, float], ...]] = {
    "orders": ((30, 1.0), (250, 60.0), (1000, 3600.0)),
    "data": ((1, 1.0), (1000, 60.0), (5000, 3600.0)),
    "quotes": ((20, 1.0),),
}
"""m.Stock's published quotas per API key (order, data and quote APIs)."""


@dataclass
class FakeUser:
    username: str
    password: str
    api_key: str
    totp_secret: str | None = None
    client_id: str = "MA0001"
    name: str = "Demo Trader"


@dataclass
class PendingLogin:
    otp: str | None
    expires_at: float


@dataclass
class IssuedToken:
    user: FakeUser
    expired: bool = False


class RateWindows:
    """Sliding windows per (api key, category); the clock is injectable for tests."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._calls: dict[tuple[str, str], deque[float]] = {}

    def admit(self, key: str, category: str) -> float | None:
        """Record a call, or return the seconds to wait when a window is full."""
        windows = RATE_WINDOWS.get(category)
        if not windows:
            return None
        now = self._clock()
        calls = self._calls.setdefault((key, category), deque())
        longest = max(period for _, period in windows)
        while calls and calls[0] <= now - longest:
            calls.popleft()
        for limit, period in windows:
            recent = [stamp for stamp in calls if stamp > now - period]
            if len(recent) >= limit:
                return max(0.001, recent[-limit] + period - now)
        calls.append(now)
        return None


@dataclass
class Switches:
    """Fault injection. Counts are decremented as replies use them."""

    latency: float = 0.0
    """Seconds to wait after handling a request, before replying."""
    drop_replies: int = 0
    """Handle the next N write requests (place, modify, cancel), then lose the reply."""
    fail_next: int = 0
    """Answer the next N calls with ``fail_status`` before doing anything."""
    fail_status: int = 503
    rate_limit_next: int = 0
    rate_limit_retry_after: float = 2.0
    static_ip_mismatch: bool = False
    """Order APIs refuse the caller's IP (APIKeyException), as for an unregistered IP."""
    refuse_connections: bool = False
    """Used by ``FakeTransport``: every call fails to connect."""


class FakeBroker:
    """The broker's state and rules, behind the HTTP layer of ``fake``."""

    def __init__(
        self,
        *,
        users: list[FakeUser] | None = None,
        master_csv: str | None = None,
        accepted_checksums: tuple[str, ...] = ("L", "W"),
        fixed_otp: str | None = None,
        otp_ttl: float = 300.0,
        available_funds: Decimal = Decimal("500000"),
        seed: int = 7,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        enforce_rate_limits: bool = True,
        registered_ips: dict[str, list[str]] | None = None,
    ) -> None:
        self.users = users or [FakeUser("DEMO", "demo-password", "demo-api-key@@")]
        self.registered_ips: dict[str, list[str]] = dict(registered_ips or {})
        """Primary and secondary IP on file per client id: order calls of that client from
        any other client address are refused. A client id without an entry is not checked
        (market data and logins never are, as the fact sheet reports)."""
        self.master_csv = master_csv or sample_master_csv()
        self.accepted_checksums = accepted_checksums
        self.fixed_otp = fixed_otp
        self.otp_ttl = otp_ttl
        self.switches = Switches()
        self.socket_logins = 0
        """Sockets that logged in (``LOGIN:<token>`` accepted): from then on, changes are
        pushed to them."""
        self.enforce_rate_limits = enforce_rate_limits
        self.clock = clock
        self.wall_clock = wall_clock
        self.rates = RateWindows(clock)
        # Seeded on purpose: a fake's OTPs and token ids must be reproducible in tests.
        self._random = random.Random(seed)  # noqa: S311
        self._pending: dict[str, PendingLogin] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self.book = OrderBook(
            self.master_csv,
            available_funds=available_funds,
            first_order_id=1131241000000 + seed * 1000,
            wall_clock=wall_clock,
        )
        self.calls: list[tuple[str, str]] = []
        """(method, path) of every request, for tests."""
        self.forms: list[dict[str, str]] = []
        """Form bodies of every write and login request, for tests."""

    # -- after the acknowledgement (``ordo_testing.matching``) ---------------------------
    def reject_after_ack(self, order_id: str, reason: str) -> None:
        """The broker's risk system rejects an acknowledged, open order with ``reason``."""
        self.book.engine.reject_after_ack(order_id, reason)

    def fill_partly(self, order_id: str, quantity: int, price: Decimal | None = None) -> None:
        """``quantity`` more of an open order trades (at the last price unless given)."""
        self.book.engine.fill_partly(order_id, quantity, price)

    def expire_day(self) -> list[str]:
        """The trading day ends: open orders expire; the ids of those that did."""
        return [order.order_id for order in self.book.engine.expire_day()]

    # -- switches ---------------------------------------------------------------------
    def expire_tokens(self) -> None:
        for issued in self._tokens.values():
            issued.expired = True

    def expire_otps(self) -> None:
        for pending in self._pending.values():
            pending.expires_at = self.clock() - 1

    def current_otp(self, username: str) -> str:
        pending = self._pending.get(username)
        if pending is None or pending.otp is None:
            raise LookupError(f"no OTP is pending for {username!r}")
        return pending.otp

    def totp_now(self, username: str) -> str:
        secret = self.user_named(username).totp_secret
        if secret is None:
            raise LookupError(f"{username!r} has no authenticator")
        return pyotp.TOTP(secret).now()

    # -- users and login ----------------------------------------------------------------
    def user_named(self, username: str) -> FakeUser:
        for user in self.users:
            if user.username == username:
                return user
        raise LookupError(username)

    def user_by_key(self, api_key: str) -> FakeUser:
        for user in self.users:
            if user.api_key == api_key:
                return user
        raise FakeError("APIKeyException", API_KEY_MESSAGE, 403)

    def login(self, username: str, password: str) -> dict[str, Any]:
        user = next((u for u in self.users if u.username == username), None)
        if user is None or user.password != password:
            raise FakeError("MiraeException", "Invalid username or password (2 attempts remaining)")
        otp = None
        if user.totp_secret is None:
            otp = self.fixed_otp or f"{self._random.randrange(10**6):06d}"
        self._pending[user.username] = PendingLogin(otp, self.clock() + self.otp_ttl)
        return {
            "ugid": f"ugid-{user.client_id}",
            "is_kyc": "true",
            "is_activate": True,
            "is_password_reset": "false",
            "is_error": False,
            "cid": user.client_id,
            "nm": user.name,
            "flag": 0,
        }

    def session_token(self, api_key: str, request_token: str, checksum: str) -> dict[str, Any]:
        user = self.user_by_key(api_key)
        if checksum not in self.accepted_checksums:
            raise FakeError("InputException", "Invalid checksum", 200)
        pending = self._pending.get(user.username)
        if user.totp_secret is not None or pending is None or pending.otp is None:
            # With TOTP on no SMS OTP exists, so any code is "incorrect".
            raise FakeError(
                "MiraeException", "The entered OTP is incorrect. Please enter valid OTP (-MACM60)"
            )
        if self.clock() >= pending.expires_at:
            raise FakeError("MiraeException", "Entered OTP has been expired. Please regenerate OTP")
        if request_token != pending.otp:
            raise FakeError(
                "MiraeException", "The entered OTP is incorrect. Please enter valid OTP (-MACM60)"
            )
        del self._pending[user.username]
        return self._issue(user)

    def verify_totp(self, api_key: str, totp: str) -> dict[str, Any]:
        user = self.user_by_key(api_key)
        pending = self._pending.get(user.username)
        if user.totp_secret is None or pending is None or self.clock() >= pending.expires_at:
            raise FakeError("MiraeException", "Please enter correct TOTP")
        if not pyotp.TOTP(user.totp_secret).verify(totp, valid_window=1):
            raise FakeError("MiraeException", "Please enter correct TOTP")
        del self._pending[user.username]
        return self._issue(user)

    def _issue(self, user: FakeUser) -> dict[str, Any]:
        now = self.wall_clock()
        claims = {
            "sub": user.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=12)).timestamp()),
            "jti": f"{self._random.getrandbits(64):016x}",
        }
        token = ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in ({"alg": "HS256", "typ": "JWT"}, claims, {"sig": claims["jti"]})
        )
        self._tokens[token] = IssuedToken(user)
        return {
            "user_type": "individual",
            "email": "demo@example.com",
            "user_name": user.name,
            "user_shortname": user.name.split()[0],
            "broker": "MIRAE",
            "exchanges": ["NSE", "BSE", "NFO", "BFO", "MCX", "CDS"],
            "products": ["CNC", "NRML", "MIS"],
            "order_types": sorted(ORDER_TYPES),
            "avatar_url": None,
            "user_id": user.client_id,
            "api_key": user.api_key,
            "access_token": token,
            "public_token": f"pub{claims['jti']}",
            "enctoken": f"enc{claims['jti']}",
            "refresh_token": "",
            "silo": "",
            "login_time": now.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
            "meta": {"demat_consent": "physical"},
        }

    def authenticate(self, authorization: str | None) -> FakeUser:
        """``Authorization: token api_key:access_token``."""
        scheme, _, credentials = (authorization or "").partition(" ")
        api_key, sep, token = credentials.partition(":")
        if scheme.lower() != "token" or not sep:
            raise FakeError("TokenException", TOKEN_MESSAGE, 401)
        issued = self._tokens.get(token)
        if issued is None or issued.expired:
            raise FakeError("TokenException", TOKEN_MESSAGE, 401)
        if issued.user.api_key != api_key:
            raise FakeError("APIKeyException", API_KEY_MESSAGE, 403)
        return issued.user

    def check_source(self, authorization: str | None, client_host: str | None) -> None:
        """Refuse an order call from an address not registered for the caller's client id,
        with m.Stock's APIKeyException (HTTP 403)."""
        user = self.authenticate(authorization)
        registered = self.registered_ips.get(user.client_id)
        if registered is not None and client_host not in registered:
            raise FakeError("APIKeyException", IP_MESSAGE, 403)

    def logout(self, authorization: str | None) -> None:
        self.authenticate(authorization)
        _, _, credentials = (authorization or "").partition(" ")
        self._tokens.pop(credentials.partition(":")[2], None)
