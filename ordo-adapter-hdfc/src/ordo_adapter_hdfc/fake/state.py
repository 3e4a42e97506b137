"""State and rules of the fake InvestRight broker: logins, tokens, an order book with status
transitions, fills, funds, and the fault switches. No HTTP here (see ``fake.py``).

Every method returns ``(http_status, json_body)`` the way the real API would answer,
quirks included: some errors come with HTTP 200, single orders come as a list of one,
login replies are camelCase while the books are snake_case.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import secrets
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

from ordo_adapter_hdfc.fake.book import FakeBook
from ordo_adapter_hdfc.fake.reference import ReferenceEcho
from ordo_adapter_hdfc.fake.wire import Answer, error, money, tick_of


def master_csv() -> str:
    """The small security master the fake serves (and tests read)."""
    return (
        resources.files("ordo_adapter_hdfc.fake")
        .joinpath("data/security_master.csv")
        .read_text(encoding="utf-8")
    )


@dataclass
class FakeConfig:
    """Credentials and behaviour of one fake broker."""

    api_key: str = "fake-api-key"
    api_secret: str = "fake-api-secret"
    username: str = "FAKEUSER"
    password: str = "fake-password"
    otp: str = "123456"
    client_code: str = "FK1234"
    redirect_url: str = "http://127.0.0.1:8100/callback"
    redirect_param: str = "request_token"
    token_ttl: float = 8 * 3600.0
    token_id_ttl: float = 300.0
    funds: Decimal = Decimal("100000")
    orders_per_second: int | None = None
    """Enforce the 10 orders/s quota with 429s (off in tests, on when run standalone)."""
    reads_before_transition: int = 1
    """Reads of a new order that still show ``Pending`` before RMS decides."""
    reference_echo: ReferenceEcho = "prefixed"
    """How the order book echoes ``external_reference_number``: ``prefixed`` ("STAPI" and the
    digits, as the docs' sample book shows), ``number`` or ``string`` (the digits)."""
    stall_on_lost_reply: float = 0.0
    """Seconds to hold a lost reply when served over a socket (the client times out)."""
    registered_ips: dict[str, list[str]] = field(default_factory=dict)
    """Static IPs on file per client code: place/modify/cancel of that client from any
    other client address are refused. A client code without an entry is not checked."""


@dataclass
class Switches:
    """Faults to inject; each one-shot switch clears itself when used."""

    rate_limit_next: float | None = None
    fail_next: int | None = None
    lose_next_reply: bool = False
    reply_lost: bool = False
    delay: float = 0.0
    refuse_connections: bool = False
    tokens_expired_before: float = 0.0


def _jwt(claims: dict[str, Any], key: str) -> str:
    def part(obj: Any) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    sig = hmac.new(key.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


class FakeBroker:
    """The fake's state. Thread-unsafe by design: one event loop serves it."""

    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.switches = Switches()
        self.master = master_csv()
        self.rows = list(csv.DictReader(io.StringIO(self.master)))
        self.token_ids: dict[str, float] = {}
        self.validated: set[str] = set()
        self.consent_tokens: dict[str, str] = {}
        self.access_requests: set[str] = set()
        self.access_tokens: dict[str, float] = {}
        self.resends = 0
        self._order_times: list[float] = []
        self.book = FakeBook(self)

    # -- instruments ----------------------------------------------------------------------
    @staticmethod
    def initial_ltp(row: dict[str, str]) -> Decimal:
        close = money(row["close_price"] or "0")
        tick = tick_of(row)
        return (close * Decimal("1.002") / tick).quantize(Decimal(1), ROUND_HALF_UP) * tick

    def instrument(self, exchange: str, security_id: str) -> dict[str, str] | None:
        for row in self.rows:
            if row["exchange"] == exchange and row["security_id"] == security_id:
                return row
        return None

    def is_index(self, row: dict[str, str]) -> bool:
        token = row["exch_security_id"]
        if row["instrument_segment"] != "EQUITY" or not token.isdigit():
            return False
        return (row["exchange"] == "NSE" and 26000 <= int(token) <= 26999) or (
            row["exchange"] == "BSE" and int(token) <= 999
        )

    def price_of(self, row: dict[str, str]) -> Decimal:
        return self.book.price_of(row)

    def set_ltp(self, exchange: str, token: str, price: Decimal) -> None:
        """Move the market: resting orders and stops react as at the exchange."""
        row = next(
            (r for r in self.rows if r["exchange"] == exchange and r["exch_security_id"] == token),
            None,
        )
        if row is not None:
            self.book.set_price(row, price)

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

    # -- switches ---------------------------------------------------------------------------
    def expire_sessions(self) -> None:
        self.switches.tokens_expired_before = time.time() + 1e-6

    def take_reply_lost(self) -> bool:
        lost, self.switches.reply_lost = self.switches.reply_lost, False
        return lost

    def gate(self, *, write: bool) -> Answer | None:
        """One-shot faults answered before the request is looked at."""
        if self.switches.rate_limit_next is not None:
            self.switches.rate_limit_next = None
            return error(429, "merchantKeyRateLimit - too many requests", bare=True)
        if self.switches.fail_next is not None:
            status, self.switches.fail_next = self.switches.fail_next, None
            return error(status, "Service Unavailable")
        if write and self.config.orders_per_second:
            now = time.monotonic()
            self._order_times = [t for t in self._order_times if now - t < 1.0]
            if len(self._order_times) >= self.config.orders_per_second:
                return error(429, "merchantKeyRateLimit - too many requests", bare=True)
            self._order_times.append(now)
        return None

    # -- login ------------------------------------------------------------------------------
    def login(self, api_key: str) -> Answer:
        if api_key != self.config.api_key:
            return error(401, "Invalid api_key", bare=True)
        token_id = secrets.token_hex(16)
        self.token_ids[token_id] = time.time()
        return 200, {"tokenId": token_id}

    def _token_id_error(self, api_key: str, token_id: str) -> Answer | None:
        if api_key != self.config.api_key:
            return error(401, "Invalid api_key", bare=True)
        issued = self.token_ids.get(token_id)
        if issued is None:
            return error(401, "Invalid token id", bare=True)
        if time.time() - issued > self.config.token_id_ttl:
            return error(401, "token id expired, login again", bare=True)
        return None

    def validate(self, api_key: str, token_id: str, body: dict[str, Any]) -> Answer:
        problem = self._token_id_error(api_key, token_id)
        if problem:
            return problem
        if (body.get("username"), body.get("password")) != (
            self.config.username,
            self.config.password,
        ):
            return error(401, "Invalid username or password")
        self.validated.add(token_id)
        question = "Please enter the OTP sent to your registered email/mobile"
        return 200, {
            "recaptcha": False,
            "loginId": self.config.username,
            "twofa": {"questions": [{"question": question}]},
            "twoFAEnabled": True,
        }

    def resend(self, api_key: str, token_id: str) -> Answer:
        problem = self._token_id_error(api_key, token_id)
        if problem:
            return problem
        if token_id not in self.validated:
            return error(400, "Validate the login first")
        self.resends += 1
        return 200, {"status": "success", "message": "OTP sent"}

    def twofa(self, api_key: str, token_id: str, body: dict[str, Any]) -> Answer:
        problem = self._token_id_error(api_key, token_id)
        if problem:
            return problem
        if token_id not in self.validated:
            return error(400, "Validate the login first")
        if str(body.get("answer", "")) != self.config.otp:
            return error(401, "Invalid OTP")
        request_token = secrets.token_hex(16)
        self.consent_tokens[request_token] = token_id
        terms = {"version": 3, "content": [{"header": "Terms", "body": "Use responsibly."}]}
        return 200, {
            "requestToken": request_token,
            "termsAndConditions": terms,
            "authorised": False,
        }

    def authorise(self, api_key: str, token_id: str, consent: str, request_token: str) -> Answer:
        problem = self._token_id_error(api_key, token_id)
        if problem:
            return problem
        if consent.strip().lower() not in ("true", "y", "yes"):
            return error(400, "Consent is required")
        if self.consent_tokens.pop(request_token, None) != token_id:
            return error(401, "Invalid request token", bare=True)
        return 200, {"callbackUrl": self.config.redirect_url, "requestToken": self.browser_token()}

    def browser_token(self) -> str:
        """A request token as the hosted login page hands one to the redirect URL."""
        fresh = secrets.token_hex(16)
        self.access_requests.add(fresh)
        return fresh

    def redirect_location(self) -> str:
        return f"{self.config.redirect_url}?{self.config.redirect_param}={self.browser_token()}"

    def access_token(self, api_key: str, request_token: str, body: dict[str, Any]) -> Answer:
        if api_key != self.config.api_key:
            return error(401, "Invalid api_key", bare=True)
        if body.get("apiSecret") != self.config.api_secret:
            return error(401, "Invalid api secret")
        if request_token not in self.access_requests:
            return error(401, "Invalid request token")
        self.access_requests.discard(request_token)
        now = time.time()
        claims = {
            "sub": self.config.client_code,
            "iat": int(now),
            "exp": int(now + self.config.token_ttl),
            "merchant": "FAKE",
            "merchant_api_key": self.config.api_key,
        }
        token = _jwt(claims, self.config.api_secret)
        self.access_tokens[token] = now
        return 200, {"accessToken": token}

    def authenticate(self, api_key: str, authorization: str, user_agent: str) -> Answer | None:
        """``None`` when an authed call may proceed, else the refusal."""
        if "mozilla" not in user_agent.lower():
            return error(403, "Forbidden")
        if api_key != self.config.api_key:
            return error(401, "Invalid api_key", bare=True)
        if not authorization or authorization.lower().startswith("bearer "):
            return 401, {"message": "Unauthorized"}
        issued = self.access_tokens.get(authorization)
        if issued is None:
            return 401, {"message": "Invalid token"}
        expired = issued < self.switches.tokens_expired_before
        if expired or time.time() - issued > self.config.token_ttl:
            return 401, {"message": "Token expired"}
        return None

    def source_refused(self, client_host: str | None) -> Answer | None:
        """``None`` when an order call may come from ``client_host``, else the refusal. The
        real status and text are UNCONFIRMED (fact sheet), so the fake answers a 403 in the
        documented error envelope and the adapter matches the text."""
        registered = self.config.registered_ips.get(self.config.client_code)
        if registered is None or client_host in registered:
            return None
        return error(
            403,
            "Orders are accepted only from the registered static IP; "
            f"request IP {client_host} is not whitelisted for this API key",
        )

    # -- data -----------------------------------------------------------------------------
    def holdings(self) -> list[dict[str, Any]]:
        """One listed holding (the engine's) and one mutual fund row with blank ids (as in
        the docs)."""
        sbin = self.instrument("NSE", "SBIINDEQNR")
        lot = self.book.holding(sbin) if sbin is not None else None
        listed = [
            {
                "security_id": "SBIINDEQNR",
                "exchange": "NSE",
                "company_name": "STATE BANK OF INDIA",
                "sector_name": "BANKS",
                "isin": "INE062A01020",
                "quantity": lot.quantity,
                "average_price": float(lot.average_price),
                "investment_value": format((lot.quantity * lot.average_price).normalize(), "f"),
                "close_price": 812.35,
                "realised": "",
                "sip_indicator": "N",
                "mtf_indicator": "N",
                "ltcg_quantity": lot.quantity,
                "corporate_action_indicator": "",
                "corporate_action_message": "",
            }
            for lot in ([lot] if lot is not None else [])
        ]
        mutual_fund = {
            "security_id": "",
            "exchange": "NSE",
            "company_name": "",
            "sector_name": "",
            "isin": "INF209K01YY7",
            "quantity": 25,
            "average_price": 41.2,
            "investment_value": "",
            "close_price": 44.8,
            "realised": "",
            "sip_indicator": "Y",
            "mtf_indicator": "N",
            "ltcg_quantity": 0,
            "corporate_action_indicator": "",
            "corporate_action_message": "",
        }
        return [*listed, mutual_fund]

    def fetch_ltp(self, body: Any, batch_limit: int = 10) -> Answer:
        items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return error(400, "data is required")
        if len(items) > batch_limit:
            return error(400, f"maximum {batch_limit} items allowed")
        out = []
        for item in items:
            exchange = str(item.get("exchange", "")).upper()
            token = str(item.get("token", ""))
            parent = exchange.removesuffix("_INDEX")
            row = next(
                (
                    r
                    for r in self.rows
                    if r["exchange"] == parent and r["exch_security_id"] == token
                ),
                None,
            )
            # Unknown tokens, and indices sent under the parent code, are silently left out.
            if row is None or self.is_index(row) != exchange.endswith("_INDEX"):
                continue
            out.append(
                {
                    "prev_close": float(money(row["close_price"])),
                    "ltp": float(self.price_of(row)),
                    "exchange": exchange,
                    "token": int(token),
                }
            )
        return 200, {"data": out, "meta": {"statusCode": "OK", "statusMsg": "OK"}}

    def profile(self) -> Answer:
        return 200, {
            "status": "success",
            "data": [
                {
                    "user_id": self.config.client_code,
                    "user_type": "individual",
                    "user_name": "FAKE USER",
                    "broker": "HDFC Securities InvestRight",
                    "exchanges:NSE": ["EQUITY", "DERIVATIVES"],
                    "exchanges:BSE": ["EQUITY"],
                    "exchanges:MCX": [],
                    "products": ["OVERNIGHT", "INTRADAY", "MTF", "DELIVERY"],
                    "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
                }
            ],
        }
