"""``MockHarness``: the paper broker's seam for Ordo's compliance suite.

The mock has no HTTP fake: the ``PaperBroker`` is the fake. One harness owns one paper
broker, and every adapter it creates trades on that broker, so switches flipped here reach
all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.domain import Exchange, InstrumentType, LoginChallenge, SymbolRef
from ordo_testing.harness import AdapterHarness, SampleInstruments
from pydantic import SecretStr

from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.broker import PaperBroker
from ordo_adapter_mock.faults import FaultKind
from ordo_adapter_mock.instruments import SUSPENDED_SYMBOL, round_to_tick
from ordo_adapter_mock.settings import MockSettings

HARNESS_OTP = "246810"


class MockHarness(AdapterHarness):
    """Paper-broker adapters with an OTP login, sharing one ``PaperBroker``."""

    adapter_cls: ClassVar[type[BrokerAdapter]] = MockAdapter

    def __init__(self, data_dir: Path, settings: MockSettings | None = None) -> None:
        super().__init__(data_dir)
        self.settings = settings or MockSettings(seed=7, login_otp=SecretStr(HARNESS_OTP))
        self.broker = PaperBroker.from_settings(self.settings)

    def create_adapter(self, account: str = "compliance") -> MockAdapter:
        context = AdapterContext(account=account, data_dir=self.data_dir)
        return MockAdapter(self.settings, context, broker=self.broker)

    def answer(self, challenge: LoginChallenge) -> str:
        otp = self.settings.login_otp
        if otp is None:
            raise AssertionError("this harness's paper broker asks for no OTP")
        return otp.get_secret_value()

    def samples(self) -> SampleInstruments:
        equity = SymbolRef(exchange=Exchange.NSE, symbol="SBIN")
        future = next(
            i
            for i in self.broker.instruments()
            if i.instrument_type is InstrumentType.FUTURE and i.underlying == "NIFTY"
        )
        return SampleInstruments(
            equity=equity,
            resting_buy_price=round_to_tick(self.broker.last_price(equity) / 2),
            unknown=SymbolRef(exchange=Exchange.NSE, symbol="NOSUCHSTOCK"),
            derivative=future.ref,
            untradable=SymbolRef(exchange=Exchange.NSE, symbol=SUSPENDED_SYMBOL),
        )

    def expire_sessions(self) -> None:
        self.broker.expire_sessions()

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.broker.faults.fail_next(FaultKind.RATE_LIMITED, retry_after=retry_after)


__all__ = ["HARNESS_OTP", "MockHarness"]
