"""The egress configuration checked against the host and against the sharing rule.

``egresses(settings)`` is what ``ordo config check``, ``ordo serve`` and the runtime call:
it builds each enabled account's ``Egress``, proves the host can use it (the source address
can be bound, the proxy host resolves, SOCKS support is installed) and refuses two accounts
outside one family on the same egress IP. Every problem is one ``ConfigError`` naming the
field (and, for sharing, both accounts and the IP).

What "the same egress IP" means, precisely: each account with an ``egress`` has a set of
egress identities,

* every address in its ``registered_ips`` (what the broker sees, by the account's word),
* its ``source_address`` (the address its sockets are bound to), and
* for a proxy, the proxy's endpoint: its host resolved to IP addresses, with the port and
  the proxy user (one endpoint and user leave from one outbound address; two proxies on one
  host with different ports, such as two SSH tunnels, or a provider that gives each user
  its own static IP, may leave from different ones, and their ``registered_ips`` still
  catch a real overlap).

Two accounts share an egress IP when these sets intersect. Accounts without ``egress``
leave by the host's default route and are not compared (declare an egress to have them
checked).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ordo.adapters.egress import Egress, socks_supported
from ordo.config.egress import EgressConfig
from ordo.config.errors import ConfigError, join_problems
from ordo.config.models import AccountConfig

Resolver = Callable[[str, int], list[str]]
"""``(host, port)`` -> the IP addresses the host resolves to; ``OSError`` when it does not."""
Binder = Callable[[str], None]
"""Binds a socket to the address (port 0) and closes it; ``OSError`` when the host lacks it."""


def egress_of(account: str, config: EgressConfig) -> Egress:
    """The runtime ``Egress`` of ``account`` from its validated config."""
    auth = None
    if config.proxy_username is not None and config.proxy_password is not None:
        auth = (config.proxy_username, config.proxy_password.get_secret_value())
    return Egress(
        account=account,
        registered_ips=tuple(config.registered_ips),
        source_address=config.source_address,
        proxy=config.proxy,
        family=config.family,
        proxy_auth=auth,
    )


def resolve_host(host: str, port: int) -> list[str]:
    """Every IP address ``host`` resolves to (an IP literal is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(ipaddress.ip_address(info[4][0])) for info in infos})


def try_bind(address: str) -> None:
    """Bind a TCP socket to ``address`` (any port) and close it: proves the host has it."""
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))


@dataclass(frozen=True)
class Identity:
    """One egress identity of an account (see the module doc)."""

    kind: str
    """``ip`` (a registered or source address) or ``proxy`` (a resolved proxy endpoint)."""
    value: str
    user: str | None = None
    """The proxy user, for ``proxy`` identities."""

    def shown(self) -> str:
        if self.kind == "ip":
            return f"IP {self.value}"
        same_user = " as the same proxy user" if self.user is not None else ""
        return f"proxy endpoint {self.value}{same_user}"


def identities(egress: Egress, resolve: Resolver) -> set[Identity]:
    """The egress identities of one account; a proxy host that does not resolve raises
    ``OSError``."""
    found = {Identity("ip", ip) for ip in egress.registered_ips}
    if egress.source_address is not None:
        found.add(Identity("ip", egress.source_address))
    if egress.proxy is not None:
        parts = urlsplit(egress.proxy)
        # The config validated both.
        assert parts.hostname is not None
        assert parts.port is not None
        for ip in resolve(parts.hostname, parts.port):
            shown = f"[{ip}]" if ":" in ip else ip
            user = egress.proxy_auth[0] if egress.proxy_auth else None
            found.add(Identity("proxy", f"{shown}:{parts.port}", user))
    return found


def sharing_problem(
    egresses: Mapping[str, Egress], found: Mapping[str, set[Identity]]
) -> str | None:
    """The first pair of accounts outside one family that share an egress identity, as
    one message naming both accounts and the IP; ``None`` when there is none."""
    names = sorted(found)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = sorted(
                found[first] & found[second], key=lambda x: (x.kind, x.value, x.user or "")
            )
            if not shared:
                continue
            family_a, family_b = egresses[first].family, egresses[second].family
            if family_a is not None and family_a == family_b:
                continue
            return (
                f"accounts.{first}.egress and accounts.{second}.egress: accounts {first} and "
                f"{second} share egress {shared[0].shown()} but are not one family; only "
                "family accounts declared to the broker may share an IP (give both the same "
                "egress.family), otherwise give each its own egress"
            )
    return None


def egresses(
    accounts: Mapping[str, AccountConfig],
    *,
    resolve: Resolver = resolve_host,
    bind: Binder = try_bind,
) -> dict[str, Egress]:
    """Each enabled account's ``Egress`` (accounts without one are left out), checked on
    this host and against the sharing rule. ``accounts`` is ``Settings.accounts``.

    Raises ``ConfigError`` naming every bad field, or the two accounts sharing an IP.
    """
    built: dict[str, Egress] = {}
    found: dict[str, set[Identity]] = {}
    problems: list[str] = []
    for name, account in accounts.items():
        config = account.egress
        if config is None or not account.enabled:
            continue
        egress = egress_of(name, config)
        problem = host_problem(egress, bind)
        if problem is None:
            try:
                found[name] = identities(egress, resolve)
            except OSError as exc:
                problem = (
                    f"accounts.{name}.egress.proxy: the proxy host does not resolve "
                    f"({exc.strerror or type(exc).__name__})"
                )
        if problem is not None:
            problems.append(problem)
            continue
        built[name] = egress
    if problems:
        raise ConfigError(join_problems(problems, None))
    shared = sharing_problem(built, found)
    if shared is not None:
        raise ConfigError(shared)
    return built


def host_problem(egress: Egress, bind: Binder) -> str | None:
    """Why this host cannot use ``egress``, naming the field; ``None`` when it can."""
    field = f"accounts.{egress.account}.egress"
    if egress.source_address is not None:
        try:
            bind(egress.source_address)
        except OSError as exc:
            return (
                f"{field}.source_address: this host has no address {egress.source_address} "
                f"(binding to it failed: {exc.strerror or type(exc).__name__})"
            )
    if egress.proxy_scheme == "socks5" and not socks_supported():
        return (
            f"{field}.proxy: a socks5:// proxy needs the socksio and python-socks packages: "
            "pip install 'ordo-core[socks]'"
        )
    return None
