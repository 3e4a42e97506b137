"""Redaction of secrets by key name and by value, for audit payloads and log lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "***"
_SECRET_WORDS = frozenset(
    {
        "otp",
        "totp",
        "pin",
        "mpin",
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "cookie",
        "checksum",
        "signature",
        "authorization",
        "credential",
        "credentials",
        "apikey",
        "appidhash",
        "authcode",
        "jwt",
    }
)
_SECRET_FRAGMENTS = (
    "password",
    "secret",
    "token",
    "api_key",
    "apikey",
    "auth_code",
    "authcode",
    "private_key",
    "appidhash",
    "credential",
    "passphrase",
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/:=-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def is_secret_key(key: str) -> bool:
    """Whether a field name says its value is a secret (``access_token``, ``OTP``,
    ``appIdHash``, ``X-Api-Key``) without catching words that merely contain ``pin``."""
    snake = _CAMEL.sub("_", key).lower().replace("-", "_").replace(" ", "_")
    if any(fragment in snake for fragment in _SECRET_FRAGMENTS):
        return True
    return any(word in _SECRET_WORDS for word in snake.split("_"))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values, bearer credentials and anything shaped like a JWT."""
    for value in sorted(secrets, key=len, reverse=True):
        if value:
            text = text.replace(value, REDACTED)
    text = _JWT.sub(REDACTED, text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A deep copy of ``value`` with secret-named keys masked and secret values replaced."""
    known = tuple(secrets)
    return _redact(value, known)


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if _masks(str(k), v) else _redact(v, secrets) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def _masks(key: str, value: Any) -> bool:
    return is_secret_key(key) and value not in (None, "") and not isinstance(value, Mapping)
