"""Issue 17's proof for point 4, through Ordo's API: three accounts of one broker fake (m.Stock,
which serves several clients), each with one static IP on file. Two accounts bound to their
registered loopback addresses place orders; the third, bound to an address that is not its
registered one, gets ``IP_NOT_WHITELISTED`` with zero orders booked at the fake, and its
circuit breaker does not count the refusal.

Each account's HTTP client is bound through the runtime's per-account transports (what an
account's egress configuration builds)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from ordo.config import AccountConfig, load_settings
from ordo_adapter_mirae.fake import FakeBroker, FakeMirae, FakeUser
from ordo_testing.loopback import serve_on_loopback
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "ip-not-whitelisted-token-0123456789"
OTP = "246810"
# account -> (client id at the broker, its registered IP, the address its client binds)
ACCOUNTS = {
    "desk-a": ("MA0001", "127.0.0.2", "127.0.0.2"),
    "desk-b": ("MA0002", "127.0.0.4", "127.0.0.4"),
    "desk-c": ("MA0003", "127.0.0.5", "127.0.0.3"),  # bound to the wrong address
}


@pytest.fixture
def fake() -> FakeMirae:
    users = [
        FakeUser(client, f"pw-{client}", f"key-{client}@@", client_id=client)
        for client, _, _ in ACCOUNTS.values()
    ]
    registered = {client: [ip] for client, ip, _ in ACCOUNTS.values()}
    return FakeMirae(FakeBroker(users=users, fixed_otp=OTP, registered_ips=registered))


@pytest.fixture
async def gw(fake: FakeMirae, tmp_path: Path) -> AsyncIterator[InProcessGateway]:
    master = tmp_path / "scriptmaster.csv"
    master.write_text(fake.broker.master_csv, encoding="utf-8")
    with serve_on_loopback(fake.app) as url:
        accounts = {
            name: AccountConfig(
                adapter="mirae",
                settings={
                    "username": client,
                    "password": f"pw-{client}",
                    "api_key": f"key-{client}@@",
                    "base_url": url,
                    "instruments_source": str(master),
                },
            )
            for name, (client, _, _) in ACCOUNTS.items()
        }
        settings = load_settings(
            None,
            data_dir=tmp_path / "data",
            api_token=TOKEN,
            order_watch_interval_seconds=3600,
            breaker_fail_max=1,  # one counted failure would open it
            accounts=accounts,
        )
        transports: dict[str, httpx.AsyncBaseTransport] = {
            name: httpx.AsyncHTTPTransport(local_address=source)
            for name, (_, _, source) in ACCOUNTS.items()
        }
        async with gateway_in_process(settings, token=TOKEN, transports=transports) as gateway:
            for name in ACCOUNTS:
                await log_in(gateway, name)
            yield gateway


async def log_in(gw: InProcessGateway, account: str) -> None:
    begun = (await gw.client.post(f"/api/v1/accounts/{account}/login")).json()
    challenge = begun["data"]["challenge"]["challenge_id"]
    url = f"/api/v1/accounts/{account}/login/{challenge}"
    done = (await gw.client.post(url, json={"answer": OTP})).json()
    assert done["data"]["state"] == "active", done


def order(accounts: list[str]) -> dict[str, object]:
    return {
        "accounts": accounts,
        "exchange": "NSE",
        "symbol": "INFY",
        "side": "BUY",
        "quantity": 1,
        "order_type": "LIMIT",
        "price": "1400",
        "product": "CNC",
    }


async def test_accounts_bound_to_their_registered_ips_place_and_the_wrong_one_is_refused(
    gw: InProcessGateway, fake: FakeMirae
) -> None:
    engine = fake.broker.book.engine
    response = await gw.client.post(
        "/api/v1/orders", json=order(list(ACCOUNTS)), headers={"Idempotency-Key": "ip-1"}
    )
    assert response.status_code == 207, response.text
    legs = {leg["account"]: leg for leg in response.json()["results"]}
    assert legs["desk-a"]["status"] == legs["desk-b"]["status"] == "success"
    refused = legs["desk-c"]
    assert refused["status"] == "error"
    assert refused["error_code"] == "IP_NOT_WHITELISTED"
    assert refused["retryable"] is False
    assert "'desk-c'" in refused["message"]
    assert "Primary and Secondary IP Address are not matching" in refused["message"]

    # Exactly the two orders of the accounts on their registered addresses were booked.
    booked = {legs[a]["data"]["order_id"] for a in ("desk-a", "desk-b")}
    assert set(engine.orders) == booked

    # A second try from the wrong address books nothing either, and the breaker (one
    # failure would open it) never counted the refusals.
    again = await gw.client.post(
        "/api/v1/orders", json=order(["desk-c"]), headers={"Idempotency-Key": "ip-2"}
    )
    assert again.status_code == 403, again.text
    assert again.json()["results"][0]["error_code"] == "IP_NOT_WHITELISTED"
    assert set(engine.orders) == booked
    breaker = gw.runtime.accounts.get("desk-c").breaker
    assert breaker is not None
    snapshot = breaker.snapshot()
    assert (snapshot["state"], snapshot["failures_in_window"], snapshot["total_failures"]) == (
        "CLOSED",
        0,
        0,
    )
