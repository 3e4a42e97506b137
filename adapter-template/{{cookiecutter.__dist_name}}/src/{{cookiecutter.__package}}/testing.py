"""The compliance-suite harness: builds adapters wired to an in-process fake broker.

Registered under the ``ordo.harness`` entry point so that
``ordo adapters check {{ cookiecutter.adapter_id }}`` finds it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
from ordo import AdapterContext, Exchange, LoginChallenge, SymbolRef
from ordo_testing.harness import AdapterHarness, SampleInstruments
from pydantic import SecretStr

from {{ cookiecutter.__package }}.adapter import {{ cookiecutter.class_prefix }}Adapter
from {{ cookiecutter.__package }}.fake import FakeBroker, create_app
from {{ cookiecutter.__package }}.settings import {{ cookiecutter.class_prefix }}Settings


class {{ cookiecutter.class_prefix }}Harness(AdapterHarness):
    adapter_cls = {{ cookiecutter.class_prefix }}Adapter

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.broker = FakeBroker()
        self.app = create_app(self.broker)

    def create_adapter(self, account: str = "compliance") -> {{ cookiecutter.class_prefix }}Adapter:
        settings = {{ cookiecutter.class_prefix }}Settings(
            client_id=self.broker.client_id,
            password=SecretStr(self.broker.password),
            base_url="http://toy-broker.test",
        )
        context = AdapterContext(
            account=account, data_dir=self.data_dir, transport=httpx.ASGITransport(app=self.app)
        )
        return {{ cookiecutter.class_prefix }}Adapter(settings, context)

    def answer(self, challenge: LoginChallenge) -> str:
        return self.broker.otp

    def samples(self) -> SampleInstruments:
        return SampleInstruments(
            equity=SymbolRef(exchange=Exchange.NSE, symbol="TOYCO"),
            resting_buy_price=Decimal("80.00"),
            unknown=SymbolRef(exchange=Exchange.NSE, symbol="NOSUCHCO"),
            untradable=SymbolRef(exchange=Exchange.NSE, symbol="FROZEN"),
        )

    def expire_sessions(self) -> None:
        self.broker.expire_sessions()

    def rate_limit_next(self, retry_after: float = 2.0) -> None:
        self.broker.rate_limit_next(retry_after)
