"""State of the fake Fyers: app credentials, login steps, tokens, rate limits and the fault
switches tests (and rehearsing users) flip."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pyotp
from ordo.adapters.clock import next_ist_time

from ordo_adapter_fyers.fake.book import OrderBook
from ordo_adapter_fyers.fake.master import load_symbols

DEFAULT_APP_ID = "FAKEAPP01-100"
DEFAULT_APP_SECRET = "fake-app-secret"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8100/callback"
DEFAULT_FYERS_ID = "FAKE01"
DEFAULT_PIN = "1234"
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AUTH_CODE_TTL = timedelta(minutes=5)
IP_REJECTED_CODE = -99
"""The fake answers a refused source address with Fyers's order-rejected code; the real code
and text are UNCONFIRMED, which is why the adapter matches the message, not the code."""


@dataclass
class Fault:
    """One-shot switches; each is consumed by the call it affects."""

    rate_limit_next: float | None = None
    fail_next: list[int] = field(default_factory=list)
    drop_next_write: bool = False
    no_ack_next_place: bool = False


class Rejected(Exception):
    """An HTTP error reply of the fake: status, Fyers envelope code, message, headers."""

    def __init__(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class FakeFyers:
    """Everything the fake API knows. Not thread-safe: one event loop serves it."""

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        redirect_uri: str = DEFAULT_REDIRECT_URI,
        fyers_id: str = DEFAULT_FYERS_ID,
        pin: str = DEFAULT_PIN,
        totp_secret: str = DEFAULT_TOTP_SECRET,
        enforce_rate_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
        per_second: int = 10,
        per_minute: int = 200,
        registered_ips: dict[str, list[str]] | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.redirect_uri = redirect_uri
        self.fyers_id = fyers_id
        self.pin = pin
        self.totp = pyotp.TOTP(totp_secret)
        self.enforce_rate_limits = enforce_rate_limits
        self.clock = clock
        self.per_second, self.per_minute = per_second, per_minute
        self.book = OrderBook(load_symbols())
        self.fault = Fault()
        self.latency = 0.0
        self.refuse_connections = False
        self._signing_key = secrets.token_bytes(32)
        self._auth_codes: dict[str, datetime] = {}
        self._request_keys: dict[str, str] = {}
        self._trade_tokens: set[str] = set()
        self._tokens: dict[str, datetime] = {}
        self._revoked: set[str] = set()
        self._calls: deque[float] = deque()
        self._minute_breaches = 0
        self.blocked_for_day = False
        self.registered_ips: dict[str, list[str]] = dict(registered_ips or {})
        """Static IPs on file per client id (``fyers_id``): order calls from any other
        client address are refused. A client id without an entry is not checked."""

    # -- switches --------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (as after the daily cut-off)."""
        self._revoked.update(self._tokens)

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.fault.rate_limit_next = retry_after

    def fail_next(self, status: int = 500, count: int = 1) -> None:
        """The next ``count`` API calls fail with ``status`` before doing anything."""
        self.fault.fail_next.extend([status] * count)

    def drop_next_reply(self) -> None:
        """The next place/modify/cancel takes effect, then its reply is lost."""
        self.fault.drop_next_write = True

    def no_ack_next_place(self) -> None:
        """The next place is recorded and answered with code 201 (sent, not acknowledged)."""
        self.fault.no_ack_next_place = True

    def set_price(self, ticker: str, price: Decimal) -> None:
        self.book.set_price(ticker, price)

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

    # -- tokens ----------------------------------------------------------------------------
    @property
    def app_id_hash(self) -> str:
        return hashlib.sha256(f"{self.app_id}:{self.app_secret}".encode()).hexdigest()

    def _jwt(self, claims: dict[str, Any]) -> str:
        def part(data: dict[str, Any]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        head = part({"alg": "HS256", "typ": "JWT"})
        body = part(claims)
        sig = hmac.new(self._signing_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"

    def issue_auth_code(self, state: str = "") -> str:
        """What the browser login produces: the redirect URL carrying a fresh ``auth_code``."""
        now = datetime.now(UTC)
        code = self._jwt(
            {
                "iss": "api.login.fyers.in",
                "iat": int(now.timestamp()),
                "exp": int((now + AUTH_CODE_TTL).timestamp()),
                "sub": "auth_code",
                "app_id": self.app_id.rsplit("-", 1)[0],
                "nonce": secrets.token_hex(4),
            }
        )
        self._auth_codes[code] = now + AUTH_CODE_TTL
        query = urlencode({"s": "ok", "code": 200, "auth_code": code, "state": state})
        return f"{self.redirect_uri}?{query}"

    def validate_auth_code(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("grant_type") != "authorization_code":
            raise Rejected(400, -441, "invalid grant type")
        if body.get("appIdHash") != self.app_id_hash:
            raise Rejected(400, -371, "Please provide sha256 hash of appId and app secret")
        code = body.get("code")
        if not code:
            raise Rejected(400, -374, "Please provide authorization code")
        expires = self._auth_codes.pop(str(code), None)
        if expires is None or expires <= datetime.now(UTC):
            # The fact sheet names no code for a bad auth code; -50 is the generic one.
            raise Rejected(400, -50, "Invalid or expired auth code")
        now = datetime.now(UTC)
        exp = next_ist_time(clock_time(3, 0), now)
        token = self._jwt(
            {
                "iss": "api.fyers.in",
                "iat": int(now.timestamp()),
                "exp": int(exp.timestamp()),
                "sub": "access_token",
                "fy_id": self.fyers_id,
                "app_id": self.app_id.rsplit("-", 1)[0],
                "hsm_key": secrets.token_hex(8),
            }
        )
        self._tokens[token] = exp
        refresh = self._jwt({"sub": "refresh_token", "exp": int(exp.timestamp()) + 15 * 86400})
        return {"access_token": token, "refresh_token": refresh}

    def check_token(self, header: str | None) -> str:
        """The token of an ``Authorization: <app_id>:<token>`` header, or ``Rejected``."""
        if not header or ":" not in header:
            raise Rejected(401, -16, "Could not authenticate the user")
        app_id, _, token = header.partition(":")
        if app_id != self.app_id:
            raise Rejected(401, -352, "Invalid App ID")
        expiry = self._tokens.get(token)
        if expiry is None:
            raise Rejected(401, -15, "Please provide valid token")
        if token in self._revoked:
            raise Rejected(401, -17, "Could not authenticate the user or Token is Expired")
        if expiry <= datetime.now(UTC):
            raise Rejected(401, -8, "Token is expired")
        return token

    def logout(self, token: str) -> None:
        self._revoked.add(token)

    def check_source(self, client_host: str | None) -> None:
        """Refuse an order call whose client address is not a registered static IP (SEBI's
        rule; Fyers maps the IP to the app and checks orders only, not logins)."""
        registered = self.registered_ips.get(self.fyers_id)
        if registered is None or client_host in registered:
            return
        raise Rejected(
            400,
            IP_REJECTED_CODE,
            "Order rejected: orders are accepted only from the whitelisted static IP; "
            f"request IP {client_host} is not whitelisted for this app",
        )

    # -- unofficial web login --------------------------------------------------------------
    def send_login_otp(self, body: dict[str, Any]) -> str:
        if body.get("fy_id") != self.fyers_id:
            raise Rejected(400, -157, "User doesn't exist")
        return self._new_request_key("otp")

    def verify_otp(self, body: dict[str, Any]) -> str:
        self._take_request_key(body, "otp")
        if not self.totp.verify(str(body.get("otp", "")), valid_window=1):
            raise Rejected(400, -50, "Invalid OTP")
        return self._new_request_key("pin")

    def verify_pin(self, body: dict[str, Any]) -> str:
        self._take_request_key(body, "pin")
        if body.get("identity_type") != "pin" or str(body.get("identifier")) != self.pin:
            raise Rejected(400, -50, "Invalid PIN")
        trade_token = secrets.token_urlsafe(24)
        self._trade_tokens.add(trade_token)
        return trade_token

    def token_redirect(self, bearer: str | None, body: dict[str, Any]) -> str:
        token = (bearer or "").removeprefix("Bearer ").strip()
        if token not in self._trade_tokens:
            raise Rejected(401, -16, "Could not authenticate the user")
        if body.get("app_id") != self.app_id.rsplit("-", 1)[0]:
            raise Rejected(400, -352, "Invalid App ID")
        if body.get("redirect_uri") != self.redirect_uri:
            raise Rejected(400, -50, "redirect_uri does not match the app")
        self._trade_tokens.discard(token)
        return self.issue_auth_code(str(body.get("state", "")))

    def _new_request_key(self, step: str) -> str:
        key = secrets.token_urlsafe(18)
        self._request_keys[key] = step
        return key

    def _take_request_key(self, body: dict[str, Any], step: str) -> None:
        if self._request_keys.pop(str(body.get("request_key", "")), None) != step:
            raise Rejected(400, -50, "Invalid request key")

    # -- limits and faults -------------------------------------------------------------------
    def admit(self) -> None:
        """Count one API call against the 10/s and 200/min windows; raise the 429 reply."""
        if self.fault.rate_limit_next is not None:
            wait, self.fault.rate_limit_next = self.fault.rate_limit_next, None
            raise _too_many(wait)
        if self.fault.fail_next:
            status = self.fault.fail_next.pop(0)
            raise Rejected(status, -96, "Something went wrong. Please try again later")
        if not self.enforce_rate_limits:
            return
        if self.blocked_for_day:
            raise _too_many(3600.0, "User blocked for the day after repeated limit breaches")
        now = self.clock()
        while self._calls and self._calls[0] <= now - 60.0:
            self._calls.popleft()
        in_second = [t for t in self._calls if t > now - 1.0]
        if len(in_second) >= self.per_second:
            raise _too_many(in_second[0] + 1.0 - now)
        if len(self._calls) >= self.per_minute:
            self._minute_breaches += 1
            self.blocked_for_day = self._minute_breaches > 3
            raise _too_many(self._calls[0] + 60.0 - now)
        self._calls.append(now)


def _too_many(wait: float, message: str = "request limit reached") -> Rejected:
    wait = max(wait, 0.001)
    headers = {"Retry-After": str(math.ceil(wait)), "X-Retry-After-Ms": str(math.ceil(wait * 1000))}
    return Rejected(429, -429, message, headers)
