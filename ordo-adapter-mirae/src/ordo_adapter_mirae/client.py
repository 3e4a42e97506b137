"""HTTP to m.Stock and nothing else: one pooled client, the headers every call needs, reply
decoding and error mapping. Which paths and fields exist is ``typea``'s business."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from ordo.adapters.egress import Egress
from ordo.adapters.errors import BrokerUnavailable
from ordo.adapters.http import build_http_client, transport_error
from ordo.adapters.ip_rejection import IpRejection
from pydantic import SecretStr

from ordo_adapter_mirae.errors import error_from_reply, payload
from ordo_adapter_mirae.settings import MiraeSettings

VERSION_HEADER = "X-Mirae-Version"
API_VERSION = "1"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

Params = Sequence[tuple[str, str]]


class MiraeClient:
    """Sends requests to the m.Stock REST API with ``X-Mirae-Version: 1`` on every call.

    ``access_token`` is passed per call, so the client never holds a session and a restored
    session works without any other state.
    """

    def __init__(
        self,
        settings: MiraeSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        account: str = "",
        egress: Egress | None = None,
    ) -> None:
        self._settings = settings
        self._account = account
        self._ip_rejection = IpRejection(settings.ip_rejection_patterns)
        timeout = settings.http_timeout()
        self._transport = transport
        self._egress = egress
        self._timeout = timeout
        self._http = build_http_client(
            settings.base_url,
            transport=transport,
            timeout=timeout,
            headers={VERSION_HEADER: API_VERSION},
            egress=egress,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self, access_token: SecretStr | None) -> dict[str, str]:
        api_key = self._settings.api_key.get_secret_value()
        headers = {VERSION_HEADER: API_VERSION}
        if self._settings.send_private_key:
            headers["X-PrivateKey"] = api_key
        if access_token is not None:
            headers["Authorization"] = f"token {api_key}:{access_token.get_secret_value()}"
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        access_token: SecretStr | None = None,
        form: Mapping[str, str] | None = None,
        json_body: Any = None,
        params: Params | None = None,
        write: bool = False,
    ) -> Any:
        """Send one request and return the envelope's ``data``; raise ``BrokerError``.

        ``write`` marks calls that may change state at the broker (place, modify, cancel):
        for those a failure after sending becomes ``OutcomeUnknown``.
        """
        headers = self._headers(access_token)
        content: str | None = None
        if form is not None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
            content = str(httpx.QueryParams(dict(form)))
        elif json_body is not None:
            # Only the margin calculator takes JSON; every other Type A write is a form.
            headers["Content-Type"] = "application/json"
            content = json.dumps(json_body)
        try:
            response = await self._http.request(
                method,
                self._settings.api_prefix + path,
                params=httpx.QueryParams(list(params)) if params else None,
                content=content,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=write) from None
        body = _decode_json(response)
        error = error_from_reply(
            response.status_code,
            body,
            write=write,
            retry_after=response.headers.get("Retry-After"),
            account=self._account,
            ip_rejection=self._ip_rejection,
        )
        if error is not None:
            raise error
        return payload(body)

    async def fetch_text(self, path_or_url: str, *, access_token: SecretStr | None) -> str:
        """GET a text document (the CSV scrip master). An absolute URL is fetched without
        m.Stock credentials, a path under the API prefix with them."""
        absolute = path_or_url.startswith(("http://", "https://"))
        try:
            if absolute:
                # A client of its own (no m.Stock headers to another host), leaving through
                # the account's egress like every other call.
                async with build_http_client(
                    "", transport=self._transport, timeout=self._timeout, egress=self._egress
                ) as other:
                    response = await other.get(path_or_url)
            else:
                response = await self._http.get(
                    self._settings.api_prefix + path_or_url, headers=self._headers(access_token)
                )
        except httpx.HTTPError as exc:
            raise transport_error(exc, write=False) from None
        content_type = response.headers.get("content-type", "")
        if response.status_code == 200 and "json" not in content_type:
            return response.text
        error = error_from_reply(
            response.status_code,
            _decode_json(response),
            write=False,
            retry_after=response.headers.get("Retry-After"),
            account=self._account,
            ip_rejection=self._ip_rejection,
        )
        raise error or BrokerUnavailable("m.Stock sent JSON where a CSV scrip master was expected")


def _decode_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        return None
