"""HTTP transport for the InvestRight REST API, and nothing else.

One pooled ``httpx.AsyncClient`` per adapter instance. ``api_key`` goes in the query string
of every call, the raw JWT (no ``Bearer``) in ``Authorization``, and a browser User-Agent on
everything because the gateway refuses generic ones. Replies are returned undecided: the
API can fail with HTTP 200, so ``errors.classify`` judges every reply from its body too,
and ``call`` raises what it finds.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from ordo.adapters.egress import Egress
from ordo.adapters.errors import BrokerError, BrokerUnavailable, InvalidRequest
from ordo.adapters.http import build_http_client, transport_error
from ordo.adapters.ip_rejection import IpRejection

from ordo_adapter_hdfc.errors import CallKind, Reply, classify
from ordo_adapter_hdfc.settings import HdfcSettings


class HdfcClient:
    """Sends requests and decodes replies; raises ``BrokerError`` for transport failures and
    for every reply ``errors.classify`` reads as a failure."""

    def __init__(
        self,
        settings: HdfcSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        account: str = "",
        egress: Egress | None = None,
    ) -> None:
        self._settings = settings
        self._account = account
        self._ip_rejection = IpRejection(settings.ip_rejection_patterns)
        timeout = settings.http_timeout()
        self._http = build_http_client(
            settings.base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            egress=egress,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        kind: CallKind,
        params: dict[str, str] | None = None,
        body: Any = None,
        token: str | None = None,
        not_found: type[BrokerError] = InvalidRequest,
    ) -> Reply:
        """One API call with ``api_key`` added; ``token`` is the access JWT when authed.
        ``not_found`` is what a 404 means for this call (a missing order, a missing path)."""
        query = {"api_key": self._settings.api_key.get_secret_value(), **(params or {})}
        headers = {"Authorization": token} if token else {}
        try:
            response = await self._http.request(
                method, path, params=query, json=body, headers=headers
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=kind is CallKind.WRITE) from None
        reply = decode(response)
        error = classify(
            reply,
            kind,
            not_found=not_found,
            default_retry_after=self._settings.rate_limit_retry_after,
            account=self._account,
            ip_rejection=self._ip_rejection,
        )
        if error is not None:
            raise error
        return reply

    async def download(self, url: str) -> str:
        """A public resource (the security master): no key, no token."""
        try:
            response = await self._http.get(url, headers={"Accept": "text/csv, */*"})
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=False) from None
        if response.status_code != 200:
            raise BrokerUnavailable(f"security master download answered {response.status_code}")
        return response.text


def decode(response: httpx.Response) -> Reply:
    """A ``Reply`` whose body is the decoded JSON, or ``None`` for HTML/empty bodies."""
    text = response.text
    body: Any = None
    if text.strip():
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    return Reply(response.status_code, body, text, dict(response.headers))
