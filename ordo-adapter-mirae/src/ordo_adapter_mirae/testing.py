"""``MiraeHarness``: the compliance suite's way to build ``MiraeAdapter`` against the fake."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.domain import ChallengeKind, LoginChallenge, SymbolRef
from ordo_testing.harness import AdapterHarness, SampleInstruments
from pydantic import SecretStr

from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.fake import FakeBroker, FakeMirae, FakeTransport, FakeUser
from ordo_adapter_mirae.settings import MiraeSettings

FAKE_BASE_URL = "http://mstock.fake"
USERNAME = "MA0001"
PASSWORD = "fake-password"
API_KEY = "ZmFrZS1hcGkta2V5@@"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class MiraeHarness(AdapterHarness):
    """A fresh fake m.Stock per harness; adapters reach it through ``FakeTransport``.

    The adapter reads the fake's scrip master from a local copy (``instruments_source``) so
    the fake's 1/s data-API limit never throttles a test that builds many adapters.
    """

    adapter_cls: ClassVar[type[BrokerAdapter]] = MiraeAdapter

    def __init__(self, data_dir: Path, *, totp: bool = False, **broker_options: Any) -> None:
        super().__init__(data_dir)
        user = FakeUser(USERNAME, PASSWORD, API_KEY, totp_secret=TOTP_SECRET if totp else None)
        self.totp = totp
        self.fake = FakeMirae(FakeBroker(users=[user], **broker_options))
        self.broker = self.fake.broker
        self.master_path = data_dir / "mirae-fake-scriptmaster.csv"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.master_path.write_text(self.broker.master_csv, encoding="utf-8")

    def settings(self, **overrides: Any) -> MiraeSettings:
        values: dict[str, Any] = {
            "username": USERNAME,
            "password": SecretStr(PASSWORD),
            "api_key": SecretStr(API_KEY),
            "authenticator": self.totp,
            "base_url": FAKE_BASE_URL,
            "instruments_source": str(self.master_path),
            # The transport reroutes HTTP only: a test that wants the socket serves the
            # fake on loopback and sets order_push and socket_url.
            "order_push": False,
        }
        values.update(overrides)
        return MiraeSettings.model_validate(values)

    def create_adapter(self, account: str = "compliance", **overrides: Any) -> MiraeAdapter:
        context = AdapterContext(
            account=account, data_dir=self.data_dir, transport=FakeTransport(self.fake)
        )
        return MiraeAdapter(self.settings(**overrides), context)

    def answer(self, challenge: LoginChallenge) -> str:
        if challenge.kind is ChallengeKind.TOTP:
            return self.broker.totp_now(USERNAME)
        return self.broker.current_otp(USERNAME)

    def wrong_answer(self, challenge: LoginChallenge) -> str:
        right = self.answer(challenge)
        return f"{(int(right) + 1) % 1_000_000:06d}"

    def samples(self) -> SampleInstruments:
        return SampleInstruments(
            equity=SymbolRef.parse("NSE:SBIN"),
            resting_buy_price=Decimal("700.00"),
            unknown=SymbolRef.parse("NSE:NOSUCHSCRIP"),
            derivative=SymbolRef.parse("NFO:NIFTY26DEC30FUT"),
            untradable=SymbolRef.parse("NSE:SUSPCO"),
        )

    def expire_sessions(self) -> None:
        self.broker.expire_tokens()

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.broker.switches.rate_limit_next += 1
        self.broker.switches.rate_limit_retry_after = retry_after
