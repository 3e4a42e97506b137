"""Every broker call of an account leaves through its egress: each adapter, built with an
``Egress`` bound to a loopback source address, talks to its fake served on 127.0.0.1, and
the fake sees every call (login, instrument download, reads, the order) come from that
address; a second account bound to another address is seen there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ordo.adapters.base import AdapterContext, BrokerAdapter
from ordo.adapters.egress import Egress
from ordo.safety.tags import order_tag
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.fake import MASTER_FILES
from ordo_adapter_fyers.fake.app import create_app as fyers_app
from ordo_adapter_fyers.testing import FyersHarness
from ordo_adapter_hdfc.adapter import HdfcAdapter
from ordo_adapter_hdfc.fake import create_app as hdfc_app
from ordo_adapter_hdfc.testing import HdfcHarness
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.client import MiraeClient
from ordo_adapter_mirae.testing import MiraeHarness
from ordo_testing.compliance.checks import resting_buy
from ordo_testing.harness import AdapterHarness
from ordo_testing.loopback import PeerRecorder, echo_app, serve_on_loopback


@dataclass(frozen=True)
class Case:
    """How to serve one broker's fake and point its adapter at it."""

    harness: Callable[[Path], AdapterHarness]
    app: Callable[[Any], Any]
    build: Callable[[Any, str, AdapterContext], BrokerAdapter]
    master_path: str
    """A path prefix the instrument download is served under."""
    order_path: str


def _fyers(harness: Any, url: str, context: AdapterContext) -> BrokerAdapter:
    settings = harness.settings(
        api_base_url=f"{url}/api/v3",
        data_base_url=f"{url}/data",
        login_base_url=f"{url}/vagator/v2",
        symbol_master_sources=[f"{url}/sym_details/{name}" for name in MASTER_FILES],
    )
    return FyersAdapter(settings, context)


def _hdfc(harness: Any, url: str, context: AdapterContext) -> BrokerAdapter:
    return HdfcAdapter(harness.settings(base_url=url), context)


def _mirae(harness: Any, url: str, context: AdapterContext) -> BrokerAdapter:
    # No local copy: the scrip master is downloaded from the broker with the session.
    return MiraeAdapter(harness.settings(base_url=url, instruments_source=None), context)


CASES = {
    "fyers": Case(
        FyersHarness, lambda h: fyers_app(h.fake), _fyers, "/sym_details/", "/api/v3/orders"
    ),
    "hdfc": Case(HdfcHarness, lambda h: hdfc_app(h.broker), _hdfc, "/", "/oapi/v1/orders"),
    "mirae": Case(
        MiraeHarness,
        lambda h: h.fake.app,
        _mirae,
        "/openapi/typea/instruments/scriptmaster",
        "/openapi/typea/orders",
    ),
}


async def _trade(case: Case, harness: AdapterHarness, adapter: BrokerAdapter) -> None:
    """Login, instrument download, a read and an order: every kind of broker call."""
    await adapter.start()
    try:
        await harness.login(adapter)
        await adapter.load_instruments(force=True)
        await adapter.get_funds()
        order = resting_buy(harness.samples())
        await adapter.place_order(order, order_tag("egress", adapter.account, "0"))
        await adapter.list_orders()
    finally:
        await adapter.aclose()


@pytest.mark.parametrize("broker", sorted(CASES))
async def test_every_call_of_an_account_leaves_from_its_source_address(
    broker: str, tmp_path: Path
) -> None:
    case = CASES[broker]
    harness = case.harness(tmp_path)
    # Two accounts back to back would trip the fakes' per-second quotas; quotas are
    # tested elsewhere.
    for name in ("broker", "fake"):
        fake: Any = getattr(harness, name, None)
        if hasattr(fake, "enforce_rate_limits"):
            fake.enforce_rate_limits = False
    recorder = PeerRecorder(case.app(harness))
    with serve_on_loopback(recorder) as url:
        for account, address in (("first", "127.0.0.2"), ("second", "127.0.0.3")):
            before = len(recorder.peers)
            context = AdapterContext(
                account=account,
                data_dir=tmp_path / account,
                egress=Egress(account, (address,), source_address=address),
            )
            await _trade(case, harness, case.build(harness, url, context))
            seen = recorder.peers[before:]
            assert {peer.host for peer in seen} == {address}
            paths = [peer.path for peer in seen]
            assert any(p.startswith(case.master_path) for p in paths), paths
            orders = [peer for peer in seen if peer.path.startswith(case.order_path)]
            assert any(peer.method == "POST" for peer in orders), paths
            assert len(seen) >= 4


async def test_a_scrip_master_from_another_host_leaves_through_the_egress(
    tmp_path: Path,
) -> None:
    """m.Stock fetches a master given as an absolute URL with a client of its own: that
    client is built on the account's egress too."""
    harness = MiraeHarness(tmp_path)
    echo = echo_app()
    with serve_on_loopback(echo) as url:
        egress = Egress("m", ("127.0.0.4",), source_address="127.0.0.4")
        client = MiraeClient(harness.settings(), egress=egress)
        try:
            body = await client.fetch_text(f"{url}/master.csv", access_token=None)
        finally:
            await client.aclose()
    assert body == "127.0.0.4"
    assert echo.hosts() == ["127.0.0.4"]
