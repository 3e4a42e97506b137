"""WebSocket plumbing for adapters' push channels: one injectable dialer per account (built
where the adapter builds its HTTP client, so the account's connection settings apply to
both), verified TLS, explicit open timeout, protocol-level keepalive pings, and the
mapping of handshake failures onto the error contract.

Errors never carry the URL, the headers or the proxy URL: a broker may put the token in
the first two, and the proxy URL holds the proxy's credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidProxy,
    InvalidProxyStatus,
    InvalidStatus,
    InvalidURI,
    ProxyError,
)

from ordo.adapters.egress import Egress, SocksSupportMissing, socks_supported
from ordo.adapters.errors import AuthFailed, BrokerUnavailable
from ordo.adapters.http import HttpSettings

POLICY_VIOLATION = 1008
"""The close code brokers (and the fakes) use to refuse a session on an open socket."""
_REFUSED_STATUSES = frozenset({401, 403})


class FrameSocket(Protocol):
    """What a push channel needs of an open WebSocket (``websockets``' client connection
    is one)."""

    async def send(self, message: str) -> None: ...
    async def recv(self) -> str | bytes: ...
    async def close(self) -> None: ...


Connect = Callable[..., Any]
"""``websockets.asyncio.client.connect`` or a stand-in with its signature: awaited, it
returns an open connection."""


@dataclass(frozen=True)
class SocketDialer:
    """Opens an account's WebSockets.

    ``options`` go to ``connect`` as they are: where an account's egress is configured
    they carry its source address (``local_addr=(ip, 0)``), its proxy (``proxy=url``) or a
    ready socket (``sock``), and a custom ``ssl`` context; the default is a direct
    connection that ignores proxy environment variables (the egress settings decide).
    """

    open_timeout: float = 10.0
    ping_interval: float = 20.0
    """Seconds between keepalive pings; a pong missing ``ping_timeout`` later drops the
    connection (a dead socket is noticed and replaced instead of silently waited on)."""
    ping_timeout: float = 20.0
    options: Mapping[str, Any] = field(default_factory=lambda: {"proxy": None}, repr=False)
    """Kept out of ``repr``: a proxy URL here carries the proxy's user and password."""
    connect: Connect = websockets_connect

    @asynccontextmanager
    async def open(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[FrameSocket]:
        """An open socket to ``url``; ``AuthFailed`` when the broker refuses the session
        in the handshake (HTTP 401/403), ``BrokerUnavailable`` for any other failure."""
        try:
            socket = await self.connect(
                url,
                additional_headers=dict(headers),
                open_timeout=self.open_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                **self.options,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in _REFUSED_STATUSES:
                raise AuthFailed(
                    f"the broker refused the socket's session (HTTP {status})"
                ) from None
            raise BrokerUnavailable(f"the socket handshake failed (HTTP {status})") from None
        except InvalidURI:
            raise BrokerUnavailable("the socket URL is not a ws:// or wss:// URL") from None
        except InvalidProxy:
            # Its message quotes the proxy URL, credentials and all.
            raise BrokerUnavailable("the egress proxy URL is not usable") from None
        except InvalidProxyStatus as exc:
            status = exc.response.status_code
            raise BrokerUnavailable(
                f"the egress proxy refused the socket (HTTP {status})"
            ) from None
        except ProxyError as exc:
            # A SOCKS refusal (bad credentials, target unreachable) or a garbled answer.
            raise BrokerUnavailable(
                f"the egress proxy did not open the socket: {type(exc).__name__}"
            ) from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise BrokerUnavailable(f"the socket did not open: {type(exc).__name__}") from None
        try:
            yield socket
        finally:
            await socket.close()


def closed_error(exc: ConnectionClosed) -> AuthFailed | BrokerUnavailable:
    """A socket the broker closed: a policy-violation close refuses the session."""
    code = exc.rcvd.code if exc.rcvd is not None else None
    if code == POLICY_VIOLATION:
        return AuthFailed("the broker closed the socket: session refused (code 1008)")
    return BrokerUnavailable(f"the socket closed (code {code})")


def egress_options(egress: Egress | None) -> dict[str, Any]:
    """``connect`` options that send a socket out through the account's egress, as its
    HTTP client goes: bound to its source address, or through its proxy (``websockets``
    tunnels HTTP proxies itself and SOCKS5 through ``python-socks``). ``proxy: None``
    otherwise, so proxy environment variables never reroute an account."""
    if egress is None:
        return {"proxy": None}
    if egress.proxy is not None:
        if egress.proxy_scheme == "socks5" and not socks_supported():
            raise SocksSupportMissing(
                f"accounts.{egress.account}.egress.proxy: a socks5:// proxy needs the SOCKS "
                "support of ordo-core: pip install 'ordo-core[socks]'"
            )
        return {"proxy": egress.proxy_url()}
    if egress.local_address is not None:
        return {"proxy": None, "local_addr": (egress.local_address, 0)}
    return {"proxy": None}


def build_socket_dialer(settings: HttpSettings, *, egress: Egress | None = None) -> SocketDialer:
    """The dialer for an account: the open timeout follows its connect timeout, and its
    sockets leave through the account's egress (``accounts.<name>.egress``) like its HTTP
    client. Where the adapter builds its HTTP client, it builds this too."""
    return SocketDialer(open_timeout=settings.connect_timeout, options=egress_options(egress))
