"""HTTP only: one pooled ``httpx.AsyncClient`` per adapter, the Fyers auth header, JSON
envelopes, and failures turned into ``BrokerError``s. No retries here, ever."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from ordo.adapters.egress import Egress
from ordo.adapters.errors import BrokerUnavailable
from ordo.adapters.http import build_http_client, transport_error
from ordo.adapters.ip_rejection import IpRejection

from ordo_adapter_fyers.errors import error_from_reply, malformed_reply
from ordo_adapter_fyers.settings import FyersSettings


@dataclass(frozen=True)
class Reply:
    """A Fyers reply that passed the envelope check."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class FyersClient:
    """Thin async client over the Fyers REST hosts named in the settings."""

    def __init__(
        self,
        settings: FyersSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        account: str = "",
        egress: Egress | None = None,
    ) -> None:
        self._settings = settings
        self._account = account
        self._ip_rejection = IpRejection(settings.ip_rejection_patterns)
        timeout = settings.http_timeout()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if settings.send_version_header:
            headers["version"] = "3"
        # One client for every host (API, data, login, symbol master): all of the
        # account's calls leave through its egress.
        self._http = build_http_client(
            settings.api_base_url,
            transport=transport,
            timeout=timeout,
            headers=headers,
            egress=egress,
        )

    def api(self, path: str) -> str:
        return f"{self._settings.api_base_url.rstrip('/')}/{path.lstrip('/')}"

    def data(self, path: str) -> str:
        return f"{self._settings.data_base_url.rstrip('/')}/{path.lstrip('/')}"

    def login(self, path: str) -> str:
        return f"{self._settings.login_base_url.rstrip('/')}/{path.lstrip('/')}"

    def auth_header(self, access_token: str) -> dict[str, str]:
        """``Authorization: <app_id>:<token>``: plain, colon-joined, no ``Bearer``."""
        return {"Authorization": f"{self._settings.app_id}:{access_token}"}

    async def call(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        write: bool = False,
        ok_statuses: frozenset[int] = frozenset({200}),
    ) -> Reply:
        """Send one request; return the reply when the HTTP status is in ``ok_statuses`` and
        the envelope says ``s: "ok"``, else raise the mapped ``BrokerError``.

        ``write`` marks calls that change state at the broker (orders): a failure after
        sending becomes ``OutcomeUnknown`` instead of ``BrokerUnavailable``.
        """
        content = None if json_body is None else json.dumps(json_body).encode()
        try:
            response = await self._http.request(
                method, url, headers=headers, params=params, content=content
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=write) from None
        body = _json_object(response)
        status_word = body.get("s") if body is not None else None
        if response.status_code in ok_statuses and status_word == "ok":
            return Reply(response.status_code, body or {}, response.headers)
        if (body is not None and status_word == "error") or response.status_code not in ok_statuses:
            raise error_from_reply(
                response.status_code,
                body or {},
                response.headers,
                write=write,
                account=self._account,
                ip_rejection=self._ip_rejection,
            )
        # A 2xx that is not the documented envelope (HTML, cut-off JSON, an unknown "s"):
        # nothing says whether the broker acted.
        raise malformed_reply(f"HTTP {response.status_code}, unreadable envelope", write=write)

    async def download(self, url: str) -> str:
        """A public file (the symbol master): no auth header, plain text back."""
        try:
            response = await self._http.get(url, headers={"Accept": "*/*"})
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=False) from None
        if response.status_code != 200:
            raise BrokerUnavailable(f"symbol master download failed: HTTP {response.status_code}")
        return response.text

    async def aclose(self) -> None:
        await self._http.aclose()


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The reply's JSON object; ``None`` when the body is not one (HTML, empty, cut off)."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
