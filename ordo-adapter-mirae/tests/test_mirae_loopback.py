"""The fake served by uvicorn on loopback, as for offline rehearsal, with a real socket."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from ordo.adapters.base import AdapterContext
from ordo.adapters.errors import OutcomeUnknown
from ordo.domain import BrokerSession, Exchange, LoginChallenge, OrderRequest, Side
from ordo.safety.tags import order_tag
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.fake import FakeBroker, FakeMirae, main
from ordo_adapter_mirae.settings import MiraeSettings
from pydantic import SecretStr


@pytest.fixture
def served() -> Iterator[tuple[FakeMirae, str]]:
    fake = FakeMirae(FakeBroker(fixed_otp="123456"))
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield fake, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def test_rehearsal_over_loopback(served: tuple[FakeMirae, str], tmp_path: Path) -> None:
    fake, url = served
    settings = MiraeSettings(
        username="DEMO",
        password=SecretStr("demo-password"),
        api_key=SecretStr("demo-api-key@@"),
        base_url=url,
    )
    adapter = MiraeAdapter(settings, AdapterContext(account="rehearsal", data_dir=tmp_path))
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    session = await adapter.complete_login(challenge, "123456")
    assert isinstance(session, BrokerSession)
    assert await adapter.load_instruments() == 15  # from the fake's scriptmaster endpoint
    tag = order_tag("rehearsal", "k", "0")
    fake.switches.drop_replies = 1  # uvicorn answers 500 once the order is in the book
    with pytest.raises(OutcomeUnknown):
        await adapter.place_order(
            OrderRequest(exchange=Exchange.NSE, symbol="INFY", side=Side.BUY, quantity=1), tag
        )
    [order] = await adapter.find_orders_by_tag(tag)
    assert order.symbol == "INFY"
    await adapter.logout()
    await adapter.aclose()


def test_main_serves_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(app: object, **kwargs: object) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    main(["--port", "8123"])
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
