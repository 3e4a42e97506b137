"""Client settings: base URL and token (arguments or ``ORDO_URL`` / ``ORDO_TOKEN``), timeouts,
TLS verification and client certificates for mTLS."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from ordo_client.errors import OrdoConfigError
from ordo_client.retry import RetryPolicy

ENV_URL = "ORDO_URL"
ENV_TOKEN = "ORDO_TOKEN"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

Verify = bool | str | ssl.SSLContext
"""``True`` (system CAs), ``False`` (no verification: testing only), a CA bundle path, or
a ready ``ssl.SSLContext``."""
Cert = str | tuple[str, str] | tuple[str, str, str]
"""A client certificate for mTLS: a PEM holding cert and key, ``(certfile, keyfile)`` or
``(certfile, keyfile, password)``."""


@dataclass(frozen=True)
class ClientConfig:
    """Everything a transport needs; built once per client by ``resolve_config``."""

    base_url: str
    token: SecretStr | None = field(repr=False)
    timeout: httpx.Timeout
    verify: ssl.SSLContext | bool
    retry: RetryPolicy
    user_agent: str

    def __repr__(self) -> str:
        # The token never appears, not even masked.
        return f"ClientConfig(base_url={self.base_url!r}, timeout={self.timeout!r})"


def resolve_config(
    base_url: str | None,
    token: str | SecretStr | None,
    *,
    timeout: float | httpx.Timeout | None,
    verify: Verify,
    cert: Cert | None,
    retry: RetryPolicy | None,
    user_agent: str,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Arguments win over the environment; a missing base URL is an error, a missing token
    is allowed (``/health`` needs none; other calls answer 401)."""
    environ = os.environ if env is None else env
    url = base_url or environ.get(ENV_URL)
    if not url:
        raise OrdoConfigError(f"no gateway URL: pass base_url or set {ENV_URL}")
    if not url.startswith(("http://", "https://")):
        raise OrdoConfigError(f"base_url must start with http:// or https:// (got {url!r})")
    raw_token = token if token is not None else environ.get(ENV_TOKEN)
    secret = (
        raw_token
        if isinstance(raw_token, SecretStr)
        else (SecretStr(raw_token) if raw_token else None)
    )
    return ClientConfig(
        base_url=url.rstrip("/"),
        token=secret,
        timeout=_timeout(timeout),
        verify=tls_context(verify, cert),
        retry=retry or RetryPolicy(),
        user_agent=user_agent,
    )


def _timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)


def tls_context(verify: Verify, cert: Cert | None) -> ssl.SSLContext | bool:
    """One ``ssl.SSLContext`` (or a bool) from the verify and cert options.

    Built here rather than passing paths to httpx, which deprecates ``cert=`` and
    ``verify=<path>``.
    """
    if cert is None and isinstance(verify, bool):
        return verify
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context()
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        elif len(cert) == 2:
            context.load_cert_chain(cert[0], cert[1])
        else:
            context.load_cert_chain(cert[0], cert[1], cert[2])
    return context
