"""``FyersHarness``: wires fresh ``FyersAdapter``s to an in-process fake Fyers for the shared
compliance suite (entry point ``ordo.harness`` / ``fyers``) and this package's tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.domain import ChallengeKind, LoginChallenge, SymbolRef
from ordo_testing.harness import AdapterHarness, SampleInstruments
from pydantic import SecretStr

from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.fake import MASTER_FILES, FakeFyers, FakeTransport
from ordo_adapter_fyers.settings import PUBLIC_MASTER_BASE, FyersSettings


class FyersHarness(AdapterHarness):
    """One fake Fyers per harness; every adapter it creates talks to that fake."""

    adapter_cls: ClassVar[type[BrokerAdapter]] = FyersAdapter

    def __init__(self, data_dir: Path, **fake_options: Any) -> None:
        super().__init__(data_dir)
        # The suite fires calls faster than 10/s; limits are tested on purpose elsewhere.
        fake_options.setdefault("enforce_rate_limits", False)
        self.fake = FakeFyers(**fake_options)
        self.transport = FakeTransport(self.fake)

    def settings(self, **overrides: Any) -> FyersSettings:
        """Settings for the fake, with the real Fyers hosts: the transport reroutes them."""
        values: dict[str, Any] = {
            "app_id": self.fake.app_id,
            "app_secret": SecretStr(self.fake.app_secret),
            "redirect_uri": self.fake.redirect_uri,
            "symbol_master_sources": [f"{PUBLIC_MASTER_BASE}/{name}" for name in MASTER_FILES],
            # The transport reroutes HTTP only: a test that wants the order socket serves
            # the fake on loopback and sets order_push and order_socket_url.
            "order_push": False,
        }
        values.update(overrides)
        return FyersSettings(**values)

    def create_adapter(self, account: str = "compliance", **overrides: Any) -> FyersAdapter:
        context = AdapterContext(
            account=account, data_dir=self.data_dir / account, transport=self.transport
        )
        return FyersAdapter(self.settings(**overrides), context)

    def answer(self, challenge: LoginChallenge) -> str:
        if challenge.kind is ChallengeKind.REDIRECT_URL:
            # Stand in for the user's browser: Fyers redirects with a fresh auth code.
            query = parse_qs(urlsplit(challenge.url or "").query)
            return self.fake.issue_auth_code(query.get("state", [""])[0])
        if challenge.kind is ChallengeKind.TOTP:
            return self.fake.totp.now()
        if challenge.kind is ChallengeKind.PIN:
            return self.fake.pin
        raise AssertionError(f"the fake Fyers never asks for {challenge.kind}")

    def wrong_answer(self, challenge: LoginChallenge) -> str:
        if challenge.kind is ChallengeKind.PIN:
            return "0000" if self.fake.pin != "0000" else "9999"
        return super().wrong_answer(challenge)

    def samples(self) -> SampleInstruments:
        return SampleInstruments(
            equity=SymbolRef.parse("NSE:SBIN"),
            resting_buy_price=Decimal("700.00"),
            unknown=SymbolRef.parse("NSE:NOSUCHSYMBOL"),
            derivative=SymbolRef.parse("NFO:NIFTY30JAN2521500CE"),
            untradable=SymbolRef.parse("NSE:OLDCO"),
        )

    def expire_sessions(self) -> None:
        self.fake.expire_tokens()

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.fake.rate_limit_next(retry_after)

    async def aclose(self) -> None:
        await self.transport.aclose()
