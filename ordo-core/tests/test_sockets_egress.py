"""An account's WebSockets leave through its egress like its HTTP client: the ``connect``
options ``egress_options`` derives (none, a source address, an HTTP or SOCKS5 proxy with
credentials, SOCKS support missing), the dialer on loopback (a WebSocket server sees the
bound address or the proxy's outbound address; the HTTP proxy is asked to CONNECT even for
a ws:// target), and the proxy's password kept out of every error and ``repr``."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from ordo.adapters import sockets
from ordo.adapters.egress import Egress, SocksSupportMissing
from ordo.adapters.errors import BrokerUnavailable
from ordo.adapters.http import HttpSettings
from ordo.adapters.sockets import SocketDialer, build_socket_dialer, egress_options
from ordo_testing.proxies import RunningProxy, http_proxy, socks5_proxy
from websockets.asyncio.server import ServerConnection, serve
from websockets.proxy import parse_proxy

PASSWORD = "pr0xy:p@ss/word-0123456789"
"""A proxy password with the characters a URL must escape."""
USER = "desk user"


def proxied(proxy: str, auth: tuple[str, str] | None = (USER, PASSWORD)) -> Egress:
    return Egress("desk", ("127.0.0.5",), proxy=proxy, proxy_auth=auth)


def test_no_egress_connects_directly_and_ignores_proxy_variables() -> None:
    assert egress_options(None) == {"proxy": None}
    assert egress_options(Egress("plain", ("203.0.113.10",))) == {"proxy": None}


def test_a_source_address_binds_the_socket() -> None:
    egress = Egress("bound", ("127.0.0.2",), source_address="127.0.0.2")
    assert egress_options(egress) == {"proxy": None, "local_addr": ("127.0.0.2", 0)}


def test_an_http_proxy_without_credentials_is_passed_as_configured() -> None:
    options = egress_options(proxied("http://127.0.0.1:3128", auth=None))
    assert options == {"proxy": "http://127.0.0.1:3128"}


@pytest.mark.parametrize("scheme", ["http", "socks5"])
def test_a_proxy_with_credentials_carries_them_escaped(scheme: str) -> None:
    options = egress_options(proxied(f"{scheme}://127.0.0.1:1080"))
    assert set(options) == {"proxy"}
    assert "local_addr" not in options
    # What websockets makes of the URL: the same proxy, user and password, unescaped.
    parsed = parse_proxy(options["proxy"])
    assert (parsed.scheme, parsed.host, parsed.port) == (scheme, "127.0.0.1", 1080)
    assert (parsed.username, parsed.password) == (USER, PASSWORD)


def test_socks5_without_socks_support_names_the_field_and_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sockets, "socks_supported", lambda: False)
    with pytest.raises(SocksSupportMissing) as raised:
        egress_options(proxied("socks5://127.0.0.1:1080"))
    message = str(raised.value)
    assert "accounts.desk.egress.proxy" in message
    assert "ordo-core[socks]" in message
    assert PASSWORD not in message
    # An HTTP proxy needs no SOCKS support.
    assert egress_options(proxied("http://127.0.0.1:3128", auth=None)) == {
        "proxy": "http://127.0.0.1:3128"
    }


def test_the_built_dialer_follows_the_account_settings_and_hides_its_proxy() -> None:
    settings = HttpSettings(connect_timeout=3.5)
    dialer = build_socket_dialer(settings, egress=proxied("socks5://127.0.0.1:1080"))
    assert dialer.open_timeout == 3.5
    assert parse_proxy(dialer.options["proxy"]).password == PASSWORD
    shown = repr(dialer)
    assert PASSWORD not in shown
    assert "127.0.0.1:1080" not in shown
    direct = build_socket_dialer(settings)
    assert direct.options == {"proxy": None}


@asynccontextmanager
async def peer_echo() -> AsyncIterator[str]:
    """A WebSocket server on 127.0.0.1 that answers each connection with the address it
    came from; yields its ws:// URL."""

    async def handler(connection: ServerConnection) -> None:
        await connection.send(str(connection.remote_address[0]))

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/socket"


async def peer_seen(dialer: SocketDialer, url: str) -> str:
    async with dialer.open(url, {"Authorization": "token-0123456789"}) as socket:
        answer = await socket.recv()
    assert isinstance(answer, str)
    return answer


async def test_a_bound_socket_is_seen_from_its_source_address() -> None:
    egress = Egress("bound", ("127.0.0.2",), source_address="127.0.0.2")
    async with peer_echo() as url:
        seen = await peer_seen(build_socket_dialer(HttpSettings(), egress=egress), url)
    assert seen == "127.0.0.2"


async def test_a_socket_through_the_http_proxy_is_tunnelled_with_connect() -> None:
    async with (
        peer_echo() as url,
        http_proxy(outbound="127.0.0.6", auth=(USER, PASSWORD)) as proxy,
    ):
        dialer = build_socket_dialer(HttpSettings(), egress=proxied(proxy.url))
        seen = await peer_seen(dialer, url)
    port = urlsplit(url).port
    assert seen == "127.0.0.6"
    # A ws:// target too goes through a CONNECT tunnel, never as a forwarded request.
    assert [(h.mode, h.target_host, h.target_port, h.user) for h in proxy.hits] == [
        ("connect", "127.0.0.1", port, USER)
    ]
    assert proxy.refused == 0


async def test_a_socket_through_the_socks5_proxy_authenticates() -> None:
    async with (
        peer_echo() as url,
        socks5_proxy(outbound="127.0.0.5", auth=(USER, PASSWORD)) as proxy,
    ):
        dialer = build_socket_dialer(HttpSettings(), egress=proxied(proxy.url))
        seen = await peer_seen(dialer, url)
    assert seen == "127.0.0.5"
    assert [(h.mode, h.target_port, h.client, h.user) for h in proxy.hits] == [
        ("socks5", urlsplit(url).port, "127.0.0.1", USER)
    ]


def assert_secret_free(error: BaseException, proxy_url: str) -> None:
    """Nothing a log line or an API error could show of ``error`` holds the password
    or the proxy's URL (a traceback as loguru or logging would print it included)."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for text in shown:
        for secret in (PASSWORD, "p%40ss", proxy_url, urlsplit(proxy_url).netloc):
            assert secret not in text, (secret, text)


@asynccontextmanager
async def wrong_password(kind: str) -> AsyncIterator[RunningProxy]:
    if kind == "http":
        async with http_proxy(auth=(USER, "the-right-password")) as proxy:
            yield proxy
    else:
        async with socks5_proxy(auth=(USER, "the-right-password")) as proxy:
            yield proxy


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_a_refused_proxy_login_is_an_error_without_the_password(kind: str) -> None:
    async with peer_echo() as url, wrong_password(kind) as proxy:
        dialer = build_socket_dialer(HttpSettings(), egress=proxied(proxy.url))
        with pytest.raises(BrokerUnavailable) as raised:
            await peer_seen(dialer, url)
    assert proxy.refused == 1
    assert proxy.hits == []
    assert "egress proxy" in str(raised.value)
    if kind == "http":
        assert "HTTP 407" in str(raised.value)
    assert_secret_free(raised.value, proxy.url)


@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_an_unreachable_proxy_is_an_error_without_the_password(scheme: str) -> None:
    # A port nothing listens on: bound and closed at once.
    async with socks5_proxy() as gone:
        port = urlsplit(gone.url).port
    proxy_url = f"{scheme}://127.0.0.1:{port}"
    dialer = build_socket_dialer(HttpSettings(), egress=proxied(proxy_url))
    with pytest.raises(BrokerUnavailable) as raised:
        await peer_seen(dialer, "ws://127.0.0.1:9/socket")
    assert "did not open" in str(raised.value)
    assert_secret_free(raised.value, proxy_url)


async def test_an_unusable_proxy_url_is_an_error_without_the_url() -> None:
    # Config validation refuses such a URL; the dialer still never repeats one.
    dialer = SocketDialer(options={"proxy": f"ftp://{USER}:{PASSWORD}@127.0.0.1:21"})
    with pytest.raises(BrokerUnavailable) as raised:
        await peer_seen(dialer, "ws://127.0.0.1:9/socket")
    assert str(raised.value) == "the egress proxy URL is not usable"
    assert_secret_free(raised.value, "ftp://127.0.0.1:21")
