"""The egress of an account (``accounts.<name>.egress``) and the observed-IP check
(``egress_check``): where an account's broker calls leave from, which IPs the broker has on
file for it, and how Ordo learns the IP it actually leaves from.

Only the shape is checked here. What needs the host (can it bind the source address, does
the proxy host resolve, do two accounts share an IP) is ``ordo.egress.checks``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

PROXY_SCHEMES = {"http": "HTTP proxy (CONNECT for https brokers)", "socks5": "SOCKS5 proxy"}
"""The proxy URL schemes an egress accepts, and what each means."""
_FAMILY = re.compile(r"^[a-z0-9_-]{1,40}$")


def ip_literal(value: str) -> str:
    """``value`` as the canonical text of an IPv4 or IPv6 address, or ``ValueError``."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address, e.g. 203.0.113.10") from None


def check_proxy_url(value: str) -> str:
    """A proxy URL ``scheme://host:port`` with a known scheme and no credentials in it."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError("must be a URL like socks5://host:1080 or http://host:3128") from None
    scheme = parts.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        known = " or ".join(f"{s}://" for s in PROXY_SCHEMES)
        given = f"{scheme}://" if scheme else "(none)"
        raise ValueError(f"unknown proxy scheme {given}: use {known}")
    if parts.username is not None or parts.password is not None:
        # A URL is printed in logs and /status; credentials go where redaction knows them.
        raise ValueError(
            "put proxy credentials in proxy_username and proxy_password (secret "
            "references such as {env: NAME}), not in the URL"
        )
    if not parts.hostname:
        raise ValueError("the proxy URL names no host")
    if port is None:
        raise ValueError("the proxy URL needs an explicit port, e.g. socks5://host:1080")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("the proxy URL is scheme://host:port, with no path or query")
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


class EgressConfig(BaseModel):
    """Where one account's broker calls leave from: a local source address to bind, a proxy,
    or (neither) the host's default route; plus what the broker has on file."""

    model_config = ConfigDict(extra="forbid")

    source_address: str | None = Field(
        default=None,
        description="Local address every connection of the account is bound to (the host "
        "must have it).",
    )
    proxy: str | None = Field(
        default=None,
        description="Proxy every connection of the account goes through: socks5://host:port "
        "(needs ordo-core[socks]) or http://host:port (HTTP CONNECT). No credentials in the "
        "URL.",
    )
    proxy_username: str | None = Field(default=None, description="User name for the proxy.")
    proxy_password: SecretStr | None = Field(
        default=None,
        description="Password for the proxy; give it as a secret reference ({env: NAME} or "
        "{file: PATH}).",
    )
    registered_ips: Annotated[list[str], Field(min_length=1, max_length=2)] = Field(
        description="The IPs the broker has on file for this account: primary, optional secondary."
    )
    family: str | None = Field(
        default=None,
        description="Family group: accounts may share an egress IP only within one family "
        "(declared to the broker).",
    )

    @field_validator("source_address")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else ip_literal(value)

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        return None if value is None else check_proxy_url(value)

    @field_validator("registered_ips")
    @classmethod
    def _registered(cls, value: list[str]) -> list[str]:
        ips = [ip_literal(v) for v in value]
        if len(set(ips)) != len(ips):
            raise ValueError("the registered IPs must differ")
        return ips

    @field_validator("family")
    @classmethod
    def _family(cls, value: str | None) -> str | None:
        if value is not None and not _FAMILY.match(value):
            raise ValueError("family names use lowercase letters, digits, '-' and '_' (1-40)")
        return value

    @model_validator(mode="after")
    def _one_route(self) -> EgressConfig:
        if self.source_address is not None and self.proxy is not None:
            raise ValueError("give source_address or proxy, not both")
        if self.proxy is None and (self.proxy_username or self.proxy_password):
            raise ValueError("proxy_username/proxy_password need a proxy")
        if (self.proxy_username is None) != (self.proxy_password is None):
            raise ValueError("give proxy_username and proxy_password together")
        if self.proxy_password is not None and not self.proxy_password.get_secret_value():
            raise ValueError("proxy_password must not be empty")
        return self


class EgressCheckConfig(BaseModel):
    """How Ordo learns each account's observed egress IP (at start and before the first
    order of each IST day) and what a drift from ``registered_ips`` does."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        description="IP-echo URL fetched through each account's egress; it answers the "
        "caller's IP as plain text or JSON {ip: ...}. Unset: observed IPs stay unknown.",
    )
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = Field(
        default=5.0, description="Timeout of one echo request."
    )
    on_drift: Literal["warn", "block"] = Field(
        default="warn",
        description="When the observed IP is not a registered one: 'warn' (audit event, "
        "/status, metric) or 'block' (also refuse the account's orders with "
        "IP_NOT_WHITELISTED before anything is sent).",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials")
        return value.strip()
