"""The compliance harness: ``HdfcAdapter`` wired to the in-process InvestRight fake.

Registered under the entry-point group ``ordo.harness`` as ``hdfc``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.domain import ChallengeKind, LoginChallenge, SymbolRef
from ordo_testing.harness import AdapterHarness, SampleInstruments
from pydantic import SecretStr

from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.fake import FakeBroker, FakeConfig, FakeTransport
from ordo_adapter_hdfc.settings import HdfcSettings

FAKE_BASE_URL = "https://developer.hdfcsec.test"
"""Never resolved: every request goes through ``FakeTransport``."""


class HdfcHarness(AdapterHarness):
    """Builds ``HdfcAdapter`` instances against one in-process fake broker."""

    adapter_cls: ClassVar[type[BrokerAdapter]] = HdfcAdapter

    def __init__(self, data_dir: Path, config: FakeConfig | None = None) -> None:
        super().__init__(data_dir)
        self.broker = FakeBroker(config)
        self.transport = FakeTransport(self.broker)

    def settings(self, **overrides: Any) -> HdfcSettings:
        """Settings matching the fake's credentials; ``overrides`` replace any field."""
        fields: dict[str, Any] = {
            "api_key": SecretStr(self.broker.config.api_key),
            "api_secret": SecretStr(self.broker.config.api_secret),
            "username": self.broker.config.username,
            "password": SecretStr(self.broker.config.password),
            "base_url": FAKE_BASE_URL,
            "status_poll_interval": 0.0,
        }
        fields.update(overrides)
        return HdfcSettings(**fields)

    def create_adapter(self, account: str = "compliance", **overrides: Any) -> HdfcAdapter:
        context = AdapterContext(
            account=account, data_dir=self.data_dir / account, transport=self.transport
        )
        return HdfcAdapter(self.settings(**overrides), context)

    def answer(self, challenge: LoginChallenge) -> str:
        if challenge.kind is ChallengeKind.PASSWORD:
            return self.broker.config.password
        if challenge.kind is ChallengeKind.REDIRECT_URL:
            return self.broker.redirect_location()  # what the user's browser lands on
        return self.broker.config.otp

    def samples(self) -> SampleInstruments:
        return SampleInstruments(
            equity=SymbolRef.parse("NSE:SBIN"),
            resting_buy_price=Decimal("700.00"),
            unknown=SymbolRef.parse("NSE:NOSUCHSCRIP"),
            derivative=SymbolRef.parse("NFO:NIFTY31JAN3021500CE"),
            untradable=SymbolRef.parse("NSE_INDEX:NIFTY"),
        )

    def expire_sessions(self) -> None:
        self.broker.expire_sessions()

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.broker.switches.rate_limit_next = retry_after

    def lose_next_reply(self) -> None:
        """The next successful write takes effect but its reply never arrives."""
        self.broker.switches.lose_next_reply = True

    def refuse_connections(self, refuse: bool = True) -> None:
        self.broker.switches.refuse_connections = refuse

    async def aclose(self) -> None:
        await self.transport.aclose()
