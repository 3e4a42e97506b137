"""The observed egress IP: learnt through each account's egress from an IP echo on loopback
(bound source addresses, an HTTP proxy, a SOCKS5 proxy), compared with the registered IPs,
shown in ``/api/v1/status``, ``ordo status`` and ``/metrics``, audited on drift, and, under
``on_drift: block``, refusing the account's orders before anything reaches the broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo.cli.display import TABLE_WIDTH
from ordo.cli.status_cmd import status_table
from ordo.config import ConfigError, Settings, load_settings
from ordo.egress.monitor import DRIFT_RECHECK, parse_echo
from ordo.egress.state import EgressState, judge
from ordo_testing.loopback import PeerRecorder, echo_app, serve_on_loopback
from ordo_testing.proxies import http_proxy, socks5_proxy
from ordo_testing.server import InProcessGateway, gateway_in_process
from rich.console import Console

TOKEN = "egress-token-0123456789"
PROXY_PASSWORD = "proxy-pw-0123456789"


@pytest.fixture
def echo() -> Iterator[tuple[PeerRecorder, str]]:
    recorder = echo_app()
    with serve_on_loopback(recorder) as url:
        yield recorder, url


def bound(address: str, *registered: str) -> dict[str, Any]:
    return {
        "adapter": "mock",
        "egress": {"source_address": address, "registered_ips": list(registered or [address])},
    }


def settings_for(tmp_path: Path, url: str, on_drift: str, **accounts: Any) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts=accounts,
        egress_check={"url": url, "on_drift": on_drift},
    )


def order_for(*accounts: str) -> dict[str, Any]:
    return {
        "accounts": list(accounts),
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 1,
    }


async def place(gw: InProcessGateway, key: str, *accounts: str) -> httpx.Response:
    return await gw.client.post(
        "/api/v1/orders", json=order_for(*accounts), headers={"Idempotency-Key": key}
    )


def broker_calls(gw: InProcessGateway, account: str) -> int:
    adapter: Any = gw.runtime.accounts.get(account).adapter
    count: int = adapter.broker.calls.count()
    return count


async def egress_of(gw: InProcessGateway) -> dict[str, Any]:
    data = (await gw.client.get("/api/v1/status")).json()["data"]
    return {a["name"]: a["egress"] for a in data["accounts"]} | {"_status": data["status"]}


@pytest.fixture
async def drifted(
    tmp_path: Path, echo: tuple[PeerRecorder, str]
) -> AsyncIterator[tuple[InProcessGateway, PeerRecorder]]:
    recorder, url = echo
    settings = settings_for(
        tmp_path,
        url,
        "block",
        good=bound("127.0.0.2"),
        moved=bound("127.0.0.3", "203.0.113.10"),
        plain={"adapter": "mock"},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        yield gw, recorder


async def test_each_account_is_observed_through_its_own_source_address(
    drifted: tuple[InProcessGateway, PeerRecorder],
) -> None:
    gw, recorder = drifted
    assert sorted(recorder.hosts()) == ["127.0.0.2", "127.0.0.3"]
    egress = await egress_of(gw)
    good, moved = egress["good"], egress["moved"]
    assert good["route"] == "source 127.0.0.2"
    assert good["observed_ip"] == "127.0.0.2"
    assert good["state"] == "match"
    assert good["blocking"] is False
    assert good["checked_at"] is not None
    assert moved["observed_ip"] == "127.0.0.3"
    assert moved["registered_ips"] == ["203.0.113.10"]
    assert moved["state"] == "drift"
    assert moved["blocking"] is True
    assert "127.0.0.3" in moved["problem"]
    assert egress["plain"] is None
    assert egress["_status"] == "degraded"


async def test_drift_blocks_orders_before_any_broker_call(
    drifted: tuple[InProcessGateway, PeerRecorder],
) -> None:
    gw, _ = drifted
    before = broker_calls(gw, "moved")
    response = await place(gw, "drift-1", "good", "moved")
    body = response.json()
    assert response.status_code == 207, body
    legs = {leg["account"]: leg for leg in body["results"]}
    assert legs["good"]["status"] == "success"
    assert legs["moved"]["status"] == "error"
    assert legs["moved"]["error_code"] == "IP_NOT_WHITELISTED"
    assert legs["moved"]["retryable"] is False
    assert "127.0.0.3" in legs["moved"]["message"]
    assert broker_calls(gw, "moved") == before  # nothing at all reached the broker
    only = await place(gw, "drift-2", "moved")
    assert only.status_code == 403, only.json()
    assert only.json()["results"][0]["error_code"] == "IP_NOT_WHITELISTED"
    assert broker_calls(gw, "moved") == before
    breaker = gw.runtime.accounts.get("moved").breaker
    assert breaker is not None
    assert breaker.state == "CLOSED"


async def test_drift_is_audited_and_measured(
    drifted: tuple[InProcessGateway, PeerRecorder],
) -> None:
    gw, _ = drifted
    page = (await gw.client.get("/api/v1/audit", params={"kind": "egress.*"})).json()
    events = {(e["kind"], e["account"]): e for e in page["data"]["events"]}
    drift = events[("egress.drift", "moved")]["payload"]
    assert drift["observed_ip"] == "127.0.0.3"
    assert drift["registered_ips"] == ["203.0.113.10"]
    assert drift["blocking"] is True
    assert events[("egress.checked", "good")]["payload"]["state"] == "match"
    metrics = (await gw.client.get("/metrics")).text
    assert 'ordo_egress_state{account="moved",state="drift"} 1.0' in metrics
    assert 'ordo_egress_state{account="moved",state="match"} 0.0' in metrics
    assert 'ordo_egress_state{account="good",state="match"} 1.0' in metrics
    assert (
        'ordo_egress_info{account="moved",observed_ip="127.0.0.3",route="source 127.0.0.3"} 1.0'
        in metrics
    )
    assert 'account="plain"' not in "".join(
        line for line in metrics.splitlines() if line.startswith("ordo_egress")
    )


async def test_ordo_status_shows_egress_in_80_columns(
    drifted: tuple[InProcessGateway, PeerRecorder],
) -> None:
    gw, _ = drifted
    document = (await gw.client.get("/api/v1/status")).json()["data"]
    console = Console(width=TABLE_WIDTH, record=True)
    console.print(status_table(document))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= TABLE_WIDTH
    egress_part = text[text.index("Egress") :]
    assert "blocked" in egress_part
    assert "203.0.113.10" in egress_part
    assert "127.0.0.3" in egress_part
    assert "match" in egress_part


async def test_warn_only_lets_orders_through(
    tmp_path: Path, echo: tuple[PeerRecorder, str]
) -> None:
    _, url = echo
    settings = settings_for(tmp_path, url, "warn", moved=bound("127.0.0.3", "203.0.113.10"))
    async with gateway_in_process(settings, token=TOKEN) as gw:
        egress = await egress_of(gw)
        assert egress["moved"]["state"] == "drift"
        assert egress["moved"]["blocking"] is False
        response = await place(gw, "warn-1", "moved")
        assert response.status_code == 200, response.json()


async def test_an_unreachable_echo_is_unknown_and_never_blocks(tmp_path: Path) -> None:
    with serve_on_loopback(echo_app()) as url:
        pass  # the port is closed again: nothing answers there now
    settings = settings_for(tmp_path, url, "block", moved=bound("127.0.0.3", "203.0.113.10"))
    async with gateway_in_process(settings, token=TOKEN) as gw:
        egress = await egress_of(gw)
        assert egress["moved"]["state"] == "unknown"
        assert egress["moved"]["observed_ip"] is None
        assert "egress check failed: ConnectError" in egress["moved"]["problem"]
        response = await place(gw, "unknown-1", "moved")
        assert response.status_code == 200, response.json()


async def test_without_an_echo_url_the_state_is_unknown(tmp_path: Path) -> None:
    settings = load_settings(
        None, data_dir=tmp_path, api_token=TOKEN, accounts={"desk": bound("127.0.0.2")}
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        egress = await egress_of(gw)
        assert egress["desk"]["state"] == "unknown"
        assert egress["desk"]["problem"] == "no egress_check.url configured"
        assert (await place(gw, "nourl-1", "desk")).status_code == 200


async def test_the_first_order_of_each_ist_day_observes_again(
    tmp_path: Path, echo: tuple[PeerRecorder, str]
) -> None:
    recorder, url = echo
    settings = settings_for(tmp_path, url, "block", desk=bound("127.0.0.2"))
    async with gateway_in_process(settings, token=TOKEN) as gw:
        assert recorder.hosts() == ["127.0.0.2"]  # at start
        observed = gw.runtime.accounts.get("desk").egress
        assert observed is not None
        assert observed.checked_at is not None
        started = observed.checked_at
        monitor = gw.runtime.egress
        monitor.now = lambda: started  # the clock stands still within the start's IST day
        assert (await place(gw, "day-1", "desk")).status_code == 200
        assert len(recorder.hosts()) == 1  # same IST day: no new observation
        tomorrow = started + timedelta(days=1)
        monitor.now = lambda: tomorrow
        assert (await place(gw, "day-2", "desk")).status_code == 200
        assert len(recorder.hosts()) == 2  # the day's first order observed first
        assert (await place(gw, "day-3", "desk")).status_code == 200
        assert len(recorder.hosts()) == 2
        egress = await egress_of(gw)
        assert datetime.fromisoformat(egress["desk"]["checked_at"]) == tomorrow


async def test_a_blocked_account_unblocks_once_its_egress_matches_again(
    tmp_path: Path, echo: tuple[PeerRecorder, str]
) -> None:
    recorder, url = echo
    async with http_proxy(outbound="127.0.0.6") as web:
        desk = {"adapter": "mock", "egress": {"proxy": web.url, "registered_ips": ["127.0.0.5"]}}
        settings = settings_for(tmp_path, url, "block", desk=desk)
        async with gateway_in_process(settings, token=TOKEN) as gw:
            assert (await place(gw, "fix-1", "desk")).status_code == 403
            assert recorder.hosts() == ["127.0.0.6"]  # blocked without observing again
            web.outbound = "127.0.0.5"  # the operator puts the route right
            monitor = gw.runtime.egress
            monitor.now = lambda: datetime.now(UTC) + DRIFT_RECHECK
            assert (await place(gw, "fix-2", "desk")).status_code == 200
            assert recorder.hosts() == ["127.0.0.6", "127.0.0.5"]
            egress = await egress_of(gw)
    assert egress["desk"]["state"] == "match"
    assert egress["desk"]["blocking"] is False


async def test_accounts_behind_proxies_are_seen_at_the_proxies_outbound_address(
    tmp_path: Path, echo: tuple[PeerRecorder, str]
) -> None:
    recorder, url = echo
    async with (
        http_proxy(outbound="127.0.0.5") as web,
        socks5_proxy(outbound="127.0.0.6", auth=("desk", PROXY_PASSWORD)) as socks,
    ):
        settings = settings_for(
            tmp_path,
            url,
            "block",
            webby={
                "adapter": "mock",
                "egress": {"proxy": web.url, "registered_ips": ["127.0.0.5"]},
            },
            socksy={
                "adapter": "mock",
                "egress": {
                    "proxy": socks.url,
                    "proxy_username": "desk",
                    "proxy_password": PROXY_PASSWORD,
                    "registered_ips": ["127.0.0.6"],
                },
            },
        )
        async with gateway_in_process(settings, token=TOKEN) as gw:
            egress = await egress_of(gw)
            audit = (await gw.client.get("/api/v1/audit", params={"kind": "egress.*"})).text
            status = (await gw.client.get("/api/v1/status")).text
    assert sorted(recorder.hosts()) == ["127.0.0.5", "127.0.0.6"]
    assert egress["webby"]["observed_ip"] == "127.0.0.5"
    assert egress["webby"]["state"] == "match"
    assert egress["webby"]["route"] == f"proxy {web.url}"
    assert egress["socksy"]["observed_ip"] == "127.0.0.6"
    assert egress["socksy"]["state"] == "match"
    assert [hit.mode for hit in web.hits] == ["forward"]
    assert [(hit.mode, hit.user) for hit in socks.hits] == [("socks5", "desk")]
    assert socks.refused == 0
    assert PROXY_PASSWORD not in audit
    assert PROXY_PASSWORD not in status


async def test_the_http_proxy_tunnels_connect() -> None:
    """The kit's HTTP proxy serves CONNECT (what clients send for https brokers) from its
    outbound address."""
    recorder = echo_app()
    with serve_on_loopback(recorder) as url:
        port = int(url.rsplit(":", 1)[1])
        async with http_proxy(outbound="127.0.0.7", auth=("u", "p")) as proxy:
            host, proxy_port = proxy.url.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(proxy_port))
            writer.write(
                f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Proxy-Authorization: Basic dTpw\r\n\r\n".encode()
            )
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = await reader.read()
            writer.close()
    assert reply.startswith(b"HTTP/1.1 200")
    assert b"\r\n127.0.0.7\r\n" in reply  # the echo's (chunked) body
    assert recorder.hosts() == ["127.0.0.7"]
    assert [hit.mode for hit in proxy.hits] == ["connect"]


def test_echo_replies_are_read_as_text_or_json() -> None:
    def reply(body: str, status: int = 200) -> httpx.Response:
        return httpx.Response(status, text=body)

    assert parse_echo(reply("203.0.113.10\n")) == "203.0.113.10"
    assert parse_echo(reply('{"ip": "2001:db8::1"}')) == "2001:db8::1"
    for bad, words in [
        (reply("<html>blocked</html>"), "no IP address"),
        (reply('{"origin": "1.2.3.4"}'), "no string 'ip'"),
        (reply("{not json"), "malformed JSON"),
        (reply("1.2.3.4", 502), "HTTP 502"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_echo(bad)


def test_judging_compares_addresses() -> None:
    assert judge("203.0.113.10", ["203.0.113.10"]) is EgressState.MATCH
    assert judge("::ffff:203.0.113.10", ["203.0.113.10"]) is EgressState.MATCH
    assert judge("203.0.113.11", ["203.0.113.10", "203.0.113.12"]) is EgressState.DRIFT
    assert judge(None, ["203.0.113.10"]) is EgressState.UNKNOWN


async def test_the_runtime_hands_each_adapter_its_egress(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"desk": bound("127.0.0.2"), "plain": {"adapter": "mock"}},
    )
    async with gateway_in_process(settings, token=TOKEN) as gw:
        desk = gw.runtime.accounts.get("desk").adapter.context.egress
        plain = gw.runtime.accounts.get("plain").adapter.context.egress
    assert desk is not None
    assert desk.local_address == "127.0.0.2"
    assert desk.registered_ips == ("127.0.0.2",)
    assert plain is None


async def test_the_runtime_refuses_to_start_two_non_family_accounts_on_one_ip(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "anil": bound("127.0.0.2", "203.0.113.10"),
            "bina": bound("127.0.0.3", "203.0.113.10"),
        },
    )
    with pytest.raises(ConfigError) as raised:
        async with gateway_in_process(settings, token=TOKEN):
            pass
    assert "accounts anil and bina share egress IP 203.0.113.10" in str(raised.value)
