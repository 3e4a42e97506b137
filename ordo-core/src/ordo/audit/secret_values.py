"""Every secret value a configuration holds, and the forms it takes on the wire.

Redaction by value needs the values themselves: the ``SecretStr`` fields of Ordo's settings
and of every adapter's settings model (an API key, an app secret, a password, a TOTP seed),
found by walking the models rather than by a list of names that a new adapter would miss.
A value also travels URL-encoded (a query string, a form body) and base64-encoded (a Basic
authorization header), so each value is registered in those forms too.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

from pydantic import BaseModel, SecretBytes, SecretStr


def secret_values(value: Any) -> Iterator[str]:
    """The plain text of every ``SecretStr``/``SecretBytes`` inside ``value`` (pydantic
    models, mappings and sequences, walked recursively)."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, SecretBytes):
        yield value.get_secret_value().decode("utf-8", "replace")
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secret_values(getattr(value, name, None))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from secret_values(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from secret_values(item)


def encoded_forms(value: str) -> set[str]:
    """``value`` as it may appear in a URL, a form body or a base64 header, itself included."""
    raw = value.encode("utf-8")
    return {
        value,
        quote(value, safe=""),
        quote_plus(value),
        base64.b64encode(raw).decode("ascii"),
        base64.urlsafe_b64encode(raw).decode("ascii"),
        base64.b64encode(raw).decode("ascii").rstrip("="),
        base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
    }


def url_passwords(*urls: str | None) -> Iterator[str]:
    """The passwords of connection URLs (``postgresql://user:pw@host/db``), decoded."""
    for url in urls:
        if not url:
            continue
        try:
            password = urlsplit(url).password
        except ValueError:
            continue
        if password:
            yield unquote(password)
