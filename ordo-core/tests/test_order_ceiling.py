"""The regulatory order-rate ceiling (issue 17, point 5): segments, configuration, and a
burst through a whole gateway against the paper broker, whose call log records each call's
arrival on the broker's own clock.

The window counts are asserted from the recorded arrival times (a correctness property of
the log, not a timing assertion); nothing here asserts how long anything took.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.config import AccountConfig, ConfigError, load_settings
from ordo.domain import Exchange, InstrumentType
from ordo.domain.segments import Segment, segment_named, segment_of
from ordo.safety.order_ceiling import OrderCeiling
from ordo_testing.server import InProcessGateway, gateway_in_process

mock = pytest.importorskip("ordo_adapter_mock")

TOKEN = "ceiling-test-token-0123456789"
PAPER = {"seed": 3, "orders_per_minute": None}
"""The paper account's own quota stays 10/s; its per-minute quota would slow a burst."""


def order(price: str = "400") -> dict[str, Any]:
    """A BUY LIMIT below the market: it rests in the book, so it can be cancelled."""
    return {
        "accounts": ["paper"],
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 1,
        "order_type": "LIMIT",
        "price": price,
        "product": "CNC",
    }


def gateway(data_dir: Path, *, ceiling: int = 9, **extra: Any) -> Any:
    """A gateway with the paper account, whose orders reach no exchange: the ceiling is
    set on the account (as when rehearsing live pacing on paper)."""
    paper = AccountConfig(
        adapter="mock", settings=PAPER, compliance={"order_rate_per_second": ceiling}
    )
    settings = load_settings(
        None, data_dir=data_dir, api_token=TOKEN, accounts={"paper": paper}, **extra
    )
    return gateway_in_process(settings, token=TOKEN)


def paper_broker(gw: InProcessGateway) -> Any:
    return gw.runtime.accounts.get("paper").adapter.broker  # type: ignore[attr-defined]


def order_id(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    found: str = result["data"]["order_id"]
    return found


# -- segments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exchange", "instrument_type", "segment"),
    [
        (Exchange.NSE, None, Segment.NSE_CASH),
        (Exchange.NSE, InstrumentType.EQUITY, Segment.NSE_CASH),
        (Exchange.NFO, InstrumentType.FUTURE, Segment.NSE_FO),
        (Exchange.NFO, None, Segment.NSE_FO),
        (Exchange.NSE, InstrumentType.CALL, Segment.NSE_FO),
        (Exchange.BSE, None, Segment.BSE_CASH),
        (Exchange.BSE, InstrumentType.PUT, Segment.BSE_FO),
        (Exchange.BFO, InstrumentType.CALL, Segment.BSE_FO),
        (Exchange.MCX, InstrumentType.FUTURE, Segment.MCX),
        (Exchange.CDS, InstrumentType.FUTURE, Segment.NSE_CURRENCY),
        (Exchange.NSE_INDEX, InstrumentType.INDEX, Segment.NSE_CASH),
        (Exchange.BSE_INDEX, None, Segment.BSE_CASH),
    ],
)
def test_segment_of(
    exchange: Exchange, instrument_type: InstrumentType | None, segment: Segment
) -> None:
    assert segment_of(exchange, instrument_type) is segment


def test_every_exchange_has_a_segment() -> None:
    assert {segment_of(exchange) for exchange in Exchange} == set(Segment)


def test_segment_named() -> None:
    assert segment_named("nfo") is Segment.NSE_FO
    assert segment_named("MCX") is Segment.MCX
    assert segment_named("NYSE") is None
    assert segment_named(None) is None


def test_the_ceiling_is_between_1_and_the_regulatory_10() -> None:
    for bad in (0, 11):
        with pytest.raises(ValueError, match=r"1\.\.10"):
            OrderCeiling(bad)
    assert OrderCeiling(10).windows(Segment.MCX)[0].limit.max_calls == 10
    assert len(OrderCeiling(9).windows(None)) == len(Segment)


# -- configuration -------------------------------------------------------------------------


def test_compliance_defaults_to_9_and_an_account_may_set_its_own(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        accounts={
            "a": AccountConfig(adapter="mock"),
            "b": AccountConfig(adapter="mock", compliance={"order_rate_per_second": 5}),
        },
    )
    assert settings.compliance.order_rate_per_second == 9
    assert settings.order_rate_per_second("a") == 9
    assert settings.order_rate_per_second("b") == 5
    # An account whose orders reach no exchange (paper) has a ceiling only if it sets one.
    assert settings.order_rate_per_second("a", reaches_exchange=False) is None
    assert settings.order_rate_per_second("b", reaches_exchange=False) == 5


def test_the_ceiling_may_come_from_the_environment(
    tmp_path: Path, clean_ordo_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDO_COMPLIANCE__ORDER_RATE_PER_SECOND", "6")
    assert load_settings(None, data_dir=tmp_path).compliance.order_rate_per_second == 6


@pytest.mark.parametrize("value", [0, 11, -1])
def test_an_order_rate_outside_1_to_10_is_refused_naming_the_field(
    tmp_path: Path, clean_ordo_env: None, value: int
) -> None:
    config = tmp_path / "ordo.yaml"
    config.write_text(f"compliance:\n  order_rate_per_second: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="order_rate_per_second"):
        load_settings(config, data_dir=tmp_path)
    account = tmp_path / "account.yaml"
    account.write_text(
        "accounts:\n  paper:\n    adapter: mock\n"
        f"    compliance:\n      order_rate_per_second: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="order_rate_per_second"):
        load_settings(account, data_dir=tmp_path)


async def test_each_account_gets_its_ceiling(
    tmp_path: Path, clean_ordo_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        compliance={"order_rate_per_second": 7},
        accounts={
            "paper": AccountConfig(adapter="mock", settings=PAPER),
            "slow": AccountConfig(
                adapter="mock", settings=PAPER, compliance={"order_rate_per_second": 2}
            ),
        },
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        paper = {a.name: a.ceiling.per_second for a in gw.runtime.accounts if a.ceiling}
    # The paper broker reaches no exchange: only the account that asks gets a ceiling.
    assert paper == {"slow": 2}
    # An adapter whose orders reach an exchange gets the gateway's ceiling by default.
    monkeypatch.setattr(mock.MockAdapter, "reaches_exchange", True)
    async with gateway_in_process(settings, token=TOKEN) as gw:
        live = {a.name: a.ceiling.per_second for a in gw.runtime.accounts if a.ceiling}
    assert live == {"paper": 7, "slow": 2}


# -- one gateway against the paper broker ---------------------------------------------------


async def test_a_burst_of_places_and_cancels_never_exceeds_the_ceiling_at_the_broker(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    async with gateway(tmp_path, request_deadline_seconds=60.0, rate_limit_queue_size=200) as gw:
        broker = paper_broker(gw)
        broker.set_price("NSE:SBIN", "500")
        first = await asyncio.gather(
            *(gw.client.post("/api/v1/orders", json=order()) for _ in range(18))
        )
        resting = [order_id(r) for r in first]
        # Cancels, modifications and new places race for the same segment's ceiling.
        cancels = [gw.client.delete(f"/api/v1/orders/paper/{oid}") for oid in resting[:9]]
        modifies = [
            gw.client.patch(f"/api/v1/orders/paper/{oid}", json={"price": "401"})
            for oid in resting[9:13]
        ]
        places = [gw.client.post("/api/v1/orders", json=order()) for _ in range(18)]
        answers = await asyncio.gather(*cancels, *modifies, *places)
    assert [a.status_code for a in answers] == [200] * 31, [a.text for a in answers]
    assert broker.calls.count("place_order") == 36
    assert broker.calls.count("cancel_order") == 9
    assert broker.calls.count("modify_order") == 4
    # Place, modify and cancel together ("orders"), counted on the broker's clock.
    assert broker.calls.max_in_window(1.0, "orders") <= 9


async def test_the_kill_switch_sweep_cancels_within_the_ceiling(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    async with gateway(tmp_path, ceiling=3) as gw:
        broker = paper_broker(gw)
        broker.set_price("NSE:SBIN", "500")
        for _ in range(7):
            order_id(await gw.client.post("/api/v1/orders", json=order()))
        broker.calls.reset()
        switched = await gw.client.post(
            "/api/v1/kill-switch", json={"reason": "drill", "cancel_open_orders": True}
        )
    assert switched.status_code == 200, switched.text
    assert broker.calls.count("cancel_order") == 7
    assert broker.calls.max_in_window(1.0, "orders") <= 3


async def test_a_wait_past_the_deadline_fails_fast_with_nothing_sent(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    async with gateway(tmp_path, ceiling=3, request_deadline_seconds=0.5) as gw:
        broker = paper_broker(gw)
        broker.set_price("NSE:SBIN", "500")
        answers = await asyncio.gather(
            *(gw.client.post("/api/v1/orders", json=order()) for _ in range(12))
        )
        ledger = await gw.client.get("/api/v1/orders", params={"accounts": "paper"})
    placed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert 1 <= len(placed) <= 3
    assert refused
    for answer in refused:
        assert answer.status_code == 429, answer.text
        [result] = answer.json()["results"]
        assert result["error_code"] == "RATE_LIMITED"
        assert "would pass the deadline" in result["message"]
    # Nothing was sent for a refused order: the broker saw only the placed ones.
    assert broker.calls.count("place_order") == len(placed)
    assert len(broker.orders()) == len(placed)
    assert ledger.status_code == 200


# -- two replicas sharing Redis and one broker -----------------------------------------------

REPLICA_MARGIN = 0.25
"""Each window is widened by this much (``rate_limit_margin_seconds``): it must cover the
spread between a grant (Redis' clock) and the call's arrival at the broker (the broker's
clock), which on a loaded test machine is wider than production's default 0.05s."""


@asynccontextmanager
async def replicas(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[InProcessGateway, InProcessGateway, Any]]:
    """Two gateways on one Redis (db 15, a prefix of this test's own), trading through one
    paper broker: the second replica's adapter is pointed at the first one's broker and
    logs in there."""
    async with AsyncExitStack() as stack:
        one, two = [
            await stack.enter_async_context(
                gateway(
                    tmp_path / name,
                    redis_url=redis_url,
                    redis_prefix=redis_prefix,
                    request_deadline_seconds=120.0,
                    rate_limit_queue_size=250,
                    rate_limit_margin_seconds=REPLICA_MARGIN,
                )
            )
            for name in ("one", "two")
        ]
        broker = paper_broker(one)
        account = two.runtime.accounts.get("paper")
        account.adapter.broker = broker
        await two.runtime.sessions.login_quietly(account)
        broker.set_price("NSE:SBIN", "500")
        yield one, two, broker


async def waiting_at_least(gw: InProcessGateway, count: int) -> None:
    """Until ``count`` calls wait in the account's limiter (no event says so: poll)."""
    limiter = gw.runtime.accounts.get("paper").limiter
    assert limiter is not None
    for _ in range(3000):
        if limiter.waiting >= count:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"the limiter never held {count} waiting calls ({limiter.waiting})")


@pytest.mark.redis
async def test_a_burst_of_200_orders_on_two_replicas_never_exceeds_the_ceiling(
    tmp_path: Path, redis_url: str, redis_prefix: str, clean_ordo_env: None
) -> None:
    async with replicas(tmp_path, redis_url, redis_prefix) as (one, two, broker):
        broker.calls.reset()
        answers = await asyncio.gather(
            *(
                (one if i % 2 else two).client.post("/api/v1/orders", json=order())
                for i in range(200)
            )
        )
    assert [a.status_code for a in answers] == [200] * 200
    arrivals = broker.calls.times("place_order")
    assert len(arrivals) == 200 == len(broker.orders())
    # Every one-second window across the arrivals, on the broker's clock.
    assert broker.calls.max_in_window(1.0, "orders") <= 9
    assert max_in_any_window(arrivals, 1.0) <= 9


@pytest.mark.redis
async def test_cancels_queued_behind_places_go_first_on_replicas(
    tmp_path: Path, redis_url: str, redis_prefix: str, clean_ordo_env: None
) -> None:
    async with replicas(tmp_path, redis_url, redis_prefix) as (one, two, broker):
        resting = [
            order_id(await gw.client.post("/api/v1/orders", json=order())) for gw in (one, two, one)
        ]
        broker.calls.reset()
        places = [
            asyncio.create_task(one.client.post("/api/v1/orders", json=order())) for _ in range(30)
        ]
        await waiting_at_least(one, 15)
        cancels = [
            asyncio.create_task(one.client.delete(f"/api/v1/orders/paper/{oid}")) for oid in resting
        ]
        answers = await asyncio.gather(*places, *cancels)
    assert [a.status_code for a in answers] == [200] * 33
    operations = [r.operation for r in broker.calls.records if r.operation != "list_orders"]
    last_cancel = max(i for i, op in enumerate(operations) if op == "cancel_order")
    # At least 15 places waited when the cancels came; all but one (a place whose shared
    # admission may already be under way) are served after the cancels.
    assert operations[last_cancel + 1 :].count("place_order") >= 14
    assert broker.calls.max_in_window(1.0, "orders") <= 9


def max_in_any_window(arrivals: list[float], period: float) -> int:
    """The most arrivals in any window [t, t + period) starting at an arrival."""
    ordered = sorted(arrivals)
    return max(sum(1 for u in ordered if t <= u < t + period) for t in ordered)
