"""HTTP only: one call to the {{ cookiecutter.broker_name }} API, its envelope unwrapped and its errors mapped
onto Ordo's error contract (the tables are in ``errors.py``). No domain mapping here
(that is ``mapping.py``)."""

from __future__ import annotations

from typing import Any

import httpx
from ordo.adapters.http import transport_error

from {{ cookiecutter.__package }}.errors import error_from_response, malformed_reply


async def call(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    token: str | None = None,
    write: bool = False,
    **kwargs: Any,
) -> Any:
    """Send one request and return the ``data`` of the envelope."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = await http.request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(exc, write=write) from None
    if response.status_code >= 400:
        raise error_from_response(response, write=write)
    try:
        body = response.json()
    except ValueError:
        raise malformed_reply(write=write) from None
    if not isinstance(body, dict) or body.get("status") != "ok" or "data" not in body:
        raise malformed_reply(write=write)
    return body["data"]
