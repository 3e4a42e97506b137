"""Drive the operator console (``/console``) over HTTP as a browser would: sign in, read a
page's CSRF token, submit its forms. For tests of the console through an
``httpx.AsyncClient`` bound to the gateway (``gateway_in_process``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

CONSOLE = "/console"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a console page."""
    match = _CSRF.search(html)
    if match is None:
        raise AssertionError("the page has no form with a CSRF token")
    return match[1]


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Open the sign-in page and submit ``token``; the client keeps the session cookie."""
    page = await client.get(f"{CONSOLE}/signin")
    assert page.status_code == 200, page.text
    return await client.post(
        f"{CONSOLE}/signin",
        data={"csrf_token": csrf_of(page.text), "token": token, "next": f"{CONSOLE}/accounts"},
    )


async def submit(
    client: httpx.AsyncClient,
    action: str,
    fields: Mapping[str, str] | None = None,
    *,
    csrf_from: str = f"{CONSOLE}/accounts",
) -> httpx.Response:
    """POST ``fields`` to ``action`` with the CSRF token read from the page ``csrf_from``."""
    page = await client.get(csrf_from)
    return await client.post(action, data={"csrf_token": csrf_of(page.text), **(fields or {})})


async def follow(client: httpx.AsyncClient, response: httpx.Response) -> httpx.Response:
    """The page a 303 leads to (the console answers every successful POST with one)."""
    assert response.status_code == 303, (response.status_code, response.text)
    return await client.get(response.headers["location"])
