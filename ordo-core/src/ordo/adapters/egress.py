"""``Egress``: the network path one account's broker calls take, as adapters use it.

An adapter never decides where its traffic leaves from: the core builds an ``Egress`` from
``accounts.<name>.egress`` and hands it over in ``AdapterContext.egress``. Every HTTP client
of the account is built on ``Egress.httpx_transport()`` (``build_http_client`` does it), and
every WebSocket opens through ``ordo.adapters.sockets.build_socket_dialer(settings,
egress=...)``, whose ``connect`` options carry ``local_address`` or ``proxy_url()``, so login,
reads, orders, the instrument download and order-event watching all leave the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec
from urllib.parse import urlsplit

import httpx

DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)


class SocksSupportMissing(RuntimeError):
    """A SOCKS5 egress is configured but ordo-core[socks] (``socksio`` for HTTP,
    ``python-socks`` for WebSockets) is not installed."""


def socks_supported() -> bool:
    """Whether both clients can talk SOCKS5 here: httpx through ``socksio``, the push
    channels' WebSockets through ``python-socks`` (both in ordo-core[socks])."""
    return find_spec("socksio") is not None and find_spec("python_socks") is not None


@dataclass(frozen=True)
class Egress:
    """One account's egress: bind ``source_address``, or go through ``proxy``, or (neither)
    leave by the host's default route; ``registered_ips`` are what the broker has on file."""

    account: str
    registered_ips: tuple[str, ...]
    source_address: str | None = None
    proxy: str | None = None
    """``scheme://host:port``, never with credentials (safe to log and show)."""
    family: str | None = None
    proxy_auth: tuple[str, str] | None = field(default=None, repr=False)
    """``(user, password)`` for the proxy; kept out of ``repr`` and ``describe``."""

    def __post_init__(self) -> None:
        if self.source_address is not None and self.proxy is not None:
            raise ValueError("an egress binds a source address or uses a proxy, not both")

    @property
    def local_address(self) -> str | None:
        """The local address to bind outgoing sockets to (``None``: the OS chooses)."""
        return self.source_address

    @property
    def proxy_scheme(self) -> str | None:
        return urlsplit(self.proxy).scheme if self.proxy else None

    def proxy_url(self, *, with_credentials: bool = True) -> str | None:
        """The proxy URL for a client that takes one (a WebSocket library); with the
        credentials in it unless ``with_credentials`` is false. Never log the result."""
        if self.proxy is None:
            return None
        if not with_credentials or self.proxy_auth is None:
            return self.proxy
        from urllib.parse import quote

        user, password = (quote(part, safe="") for part in self.proxy_auth)
        scheme, rest = self.proxy.split("://", 1)
        return f"{scheme}://{user}:{password}@{rest}"

    def describe(self) -> str:
        """One line for logs, ``/status`` and the CLI: ``source 203.0.113.10``,
        ``proxy socks5://host:1080`` or ``default route``."""
        if self.source_address is not None:
            return f"source {self.source_address}"
        if self.proxy is not None:
            return f"proxy {self.proxy}"
        return "default route"

    def httpx_transport(self, *, limits: httpx.Limits = DEFAULT_LIMITS) -> httpx.AsyncHTTPTransport:
        """A new transport whose every connection leaves through this egress (TLS always
        verified). Each client needs its own: closing a client closes its transport.

        Environment proxies (``HTTPS_PROXY``) never apply: a client with an explicit
        transport ignores them, so no variable can route an account around its egress.
        """
        if self.proxy is None:
            return httpx.AsyncHTTPTransport(
                verify=True, limits=limits, local_address=self.source_address
            )
        if self.proxy_scheme == "socks5" and not socks_supported():
            raise SocksSupportMissing(
                f"accounts.{self.account}.egress.proxy: a socks5:// proxy needs the socksio "
                "package: pip install 'ordo-core[socks]'"
            )
        proxy = httpx.Proxy(self.proxy, auth=self.proxy_auth)
        return httpx.AsyncHTTPTransport(verify=True, limits=limits, proxy=proxy)
