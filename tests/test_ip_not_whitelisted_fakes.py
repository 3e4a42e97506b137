"""Issue 17 point 4 over real sockets: each broker fake, told the static IPs on file for its
client, refuses place/modify/cancel from any other client address with the broker's own
error envelope, and each adapter turns that into ``IP_NOT_WHITELISTED``.

Loopback has many addresses: an adapter whose HTTP client is bound to 127.0.0.2 (the
registered one) places; the same account bound to 127.0.0.3 is refused with nothing booked.
The adapter's client is built the way the core builds it, from ``AdapterContext.transport``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.adapters.errors import IpNotWhitelisted
from ordo.domain import BrokerSession, Exchange, LoginChallenge, OrderRequest, OrderType, Side
from ordo.safety.tags import order_tag
from ordo_testing.loopback import serve_on_loopback
from ordo_testing.matching import MatchingEngine

REGISTERED = "127.0.0.2"
WRONG = "127.0.0.3"


def bound(address: str) -> httpx.AsyncHTTPTransport:
    """A transport whose connections leave from ``address`` (what egress config builds)."""
    return httpx.AsyncHTTPTransport(local_address=address)


@dataclass
class Served:
    """One broker fake on a loopback socket and how to build adapters against it."""

    name: str
    url: str
    make: Callable[[str, httpx.AsyncBaseTransport], BrokerAdapter]
    answer: Callable[[LoginChallenge], str]
    engine: MatchingEngine
    symbol: str
    price: Decimal


def _fyers(tmp_path: Path) -> tuple[Any, Callable[[str], Served]]:
    from ordo_adapter_fyers.fake import MASTER_FILES, create_app
    from ordo_adapter_fyers.testing import FyersHarness

    harness = FyersHarness(tmp_path / "fyers")
    harness.fake.registered_ips[harness.fake.fyers_id] = [REGISTERED]

    def served(url: str) -> Served:
        def make(account: str, transport: httpx.AsyncBaseTransport) -> BrokerAdapter:
            from ordo_adapter_fyers.adapter import FyersAdapter

            settings = harness.settings(
                api_base_url=f"{url}/api/v3",
                data_base_url=f"{url}/data",
                login_base_url=f"{url}/vagator/v2",
                symbol_master_sources=[f"{url}/sym_details/{n}" for n in MASTER_FILES],
            )
            context = AdapterContext(account, tmp_path / account, transport=transport)
            return FyersAdapter(settings, context)

        return Served(
            "fyers", url, make, harness.answer, harness.fake.book.engine, "SBIN", Decimal("700")
        )

    return create_app(harness.fake), served


def _hdfc(tmp_path: Path) -> tuple[Any, Callable[[str], Served]]:
    from ordo_adapter_hdfc.fake import FakeConfig, create_app
    from ordo_adapter_hdfc.testing import HdfcHarness

    config = FakeConfig()
    config.registered_ips[config.client_code] = [REGISTERED]
    harness = HdfcHarness(tmp_path / "hdfc", config)

    def served(url: str) -> Served:
        def make(account: str, transport: httpx.AsyncBaseTransport) -> BrokerAdapter:
            from ordo_adapter_hdfc.adapter import HdfcAdapter

            context = AdapterContext(account, tmp_path / account, transport=transport)
            return HdfcAdapter(harness.settings(base_url=url), context)

        return Served(
            "hdfc", url, make, harness.answer, harness.broker.book.engine, "SBIN", Decimal("700")
        )

    return create_app(harness.broker), served


def _mirae(tmp_path: Path) -> tuple[Any, Callable[[str], Served]]:
    from ordo_adapter_mirae.testing import MiraeHarness

    harness = MiraeHarness(tmp_path / "mirae", fixed_otp="123456")
    [user] = harness.broker.users
    harness.broker.registered_ips[user.client_id] = [REGISTERED]

    def served(url: str) -> Served:
        def make(account: str, transport: httpx.AsyncBaseTransport) -> BrokerAdapter:
            from ordo_adapter_mirae.adapter import MiraeAdapter

            context = AdapterContext(account, tmp_path / account, transport=transport)
            return MiraeAdapter(harness.settings(base_url=url), context)

        return Served(
            "mirae", url, make, harness.answer, harness.broker.book.engine, "INFY", Decimal("1400")
        )

    return harness.fake.app, served


FAKES = {"fyers": _fyers, "hdfc": _hdfc, "mirae": _mirae}


@pytest.fixture(params=sorted(FAKES))
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    app, build = FAKES[request.param](tmp_path)
    with serve_on_loopback(app) as url:
        yield build(url)


async def logged_in(served: Served, account: str, source: str) -> BrokerAdapter:
    adapter = served.make(account, bound(source))
    await adapter.start()
    step = await adapter.begin_login()
    for _ in range(6):
        if isinstance(step, BrokerSession):
            break
        step = await adapter.complete_login(step, served.answer(step))
    assert isinstance(step, BrokerSession)
    adapter.restore_session(step)
    await adapter.load_instruments()
    return adapter


def resting_buy(served: Served) -> OrderRequest:
    return OrderRequest(
        exchange=Exchange.NSE,
        symbol=served.symbol,
        side=Side.BUY,
        quantity=1,
        order_type=OrderType.LIMIT,
        price=served.price,
    )


async def test_only_the_registered_source_address_may_send_orders(served: Served) -> None:
    good = await logged_in(served, "acct", REGISTERED)
    # The same client logged in from a second, unregistered address: the brokers check
    # orders, not logins or reads (as their fact sheets say).
    wrong = await logged_in(served, "acct", WRONG)
    await wrong.get_funds()
    try:
        placed = await good.place_order(resting_buy(served), order_tag("acct", "k1", "0"))
        assert list(served.engine.orders) == [placed.order_id]

        with pytest.raises(IpNotWhitelisted) as refused:
            await wrong.place_order(resting_buy(served), order_tag("acct", "k2", "0"))
        assert list(served.engine.orders) == [placed.order_id]  # nothing more was booked
        error = refused.value
        assert (error.code, error.http_status) == ("IP_NOT_WHITELISTED", 403)
        assert not error.retryable
        assert not error.counts_against_breaker
        assert error.account == "acct"
        assert "'acct'" in error.message
        # The fakes name the caller's address in their text (m.Stock's real text does not).
        assert error.observed_ip == (None if served.name == "mirae" else WRONG)

        # Cancelling from the wrong address is refused too; the order stays live.
        with pytest.raises(IpNotWhitelisted):
            await wrong.cancel_order(placed.order_id)
        assert served.engine.orders[placed.order_id].live
        await good.cancel_order(placed.order_id)
        assert not served.engine.orders[placed.order_id].live
    finally:
        await good.aclose()
        await wrong.aclose()


def test_each_fake_takes_registered_ips_on_its_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn
    from ordo_adapter_fyers.fake import DEFAULT_FYERS_ID
    from ordo_adapter_fyers.fake.__main__ import main as fyers_main
    from ordo_adapter_hdfc.fake import main as hdfc_main
    from ordo_adapter_mirae.fake import main as mirae_main

    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: apps.append(app))
    flags = ["--registered-ip", "127.0.0.2", "--registered-ip", "127.0.0.4"]
    fyers_main(flags)
    hdfc_main(flags)
    mirae_main(flags)
    capsys.readouterr()
    fyers, hdfc, mirae = apps
    assert fyers.state.fake.registered_ips == {DEFAULT_FYERS_ID: ["127.0.0.2", "127.0.0.4"]}
    config = hdfc.state.broker.config
    assert config.registered_ips == {config.client_code: ["127.0.0.2", "127.0.0.4"]}
    [user] = mirae.state.broker.users
    assert mirae.state.broker.registered_ips == {user.client_id: ["127.0.0.2", "127.0.0.4"]}
