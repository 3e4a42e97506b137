"""Issue 17's proof for point 4, through Ordo's API: three accounts of one broker fake (m.Stock,
which serves several clients), each with one static IP on file at the broker. Each account's
``egress.source_address`` binds its broker calls to a loopback address. Two accounts leave
from the address the broker has on file and place orders; the third leaves from another
address (its config believes that one registered, the broker has a different one on file),
so the broker refuses it: ``IP_NOT_WHITELISTED`` naming the account and the IP observed
through its egress, zero orders booked at the fake, and its circuit breaker untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_adapter_mirae.fake import FakeBroker, FakeMirae, FakeUser
from ordo_testing.loopback import echo_app, serve_on_loopback
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "ip-not-whitelisted-token-0123456789"
OTP = "246810"
# account -> (client id, the IP the broker has on file, the account's egress source address)
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
    with serve_on_loopback(fake.app) as url, serve_on_loopback(echo_app()) as echo:
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
                # What the operator believes is on file: the address the account binds.
                egress={"source_address": source, "registered_ips": [source]},
            )
            for name, (client, _, source) in ACCOUNTS.items()
        }
        settings = load_settings(
            None,
            data_dir=tmp_path / "data",
            api_token=TOKEN,
            order_watch_interval_seconds=3600,
            breaker_fail_max=1,  # one counted failure would open it
            accounts=accounts,
            egress_check={"url": echo},
        )
        async with gateway_in_process(settings, token=TOKEN) as gateway:
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
    # m.Stock's text names no IP; Ordo adds the one observed through the account's egress.
    assert "observed IP 127.0.0.3" in refused["message"]
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
    # The fake saw each account at its egress address: desk-c's orders came from 127.0.0.3.
    status = (await gw.client.get("/api/v1/status")).json()["data"]
    observed = {a["name"]: a["egress"]["observed_ip"] for a in status["accounts"]}
    assert observed == {name: source for name, (_, _, source) in ACCOUNTS.items()}
    breaker = gw.runtime.accounts.get("desk-c").breaker
    assert breaker is not None
    snapshot = breaker.snapshot()
    assert (snapshot["state"], snapshot["failures_in_window"], snapshot["total_failures"]) == (
        "CLOSED",
        0,
        0,
    )
