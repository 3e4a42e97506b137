"""Redaction of secrets by key name and by value, for audit payloads and log lines."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

REDACTED = "***"
_PLAIN = frozenset({int, float, bool, type(None), Decimal})
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
_QUERY_PARAM = re.compile(r"(?<=[?&;])([A-Za-z0-9_.\-\[\]]+)=([^&\s\"'<>#]+)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a field name says its value is a secret (``access_token``, ``OTP``,
    ``appIdHash``, ``X-Api-Key``) without catching words that merely contain ``pin``."""
    snake = _CAMEL.sub("_", key).lower().replace("-", "_").replace(" ", "_")
    if any(fragment in snake for fragment in _SECRET_FRAGMENTS):
        return True
    return any(word in _SECRET_WORDS for word in snake.split("_"))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values, bearer credentials and anything shaped like a JWT."""
    return _redact_text(text, longest_first(secrets))


def longest_first(secrets: Iterable[str]) -> tuple[str, ...]:
    """Secret values as ``redact_ordered`` takes them: non-empty, longest first (so a secret
    containing another is masked whole)."""
    return tuple(sorted((s for s in secrets if s), key=len, reverse=True))


def _redact_text(text: str, secrets: tuple[str, ...]) -> str:
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    # Cheap substring tests first: most audited strings (symbols, ids, codes) hold neither
    # pattern, and the regular expressions cost more than the test.
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    folded = text.lower()
    if "bearer" in folded or "token" in folded:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if "=" in text and ("?" in text or "&" in text):
        # A URL in a log line (an HTTP client's request line): mask parameters whose name
        # says secret (``api_key``, ``token_id``, ``request_token``) whatever their value.
        text = _QUERY_PARAM.sub(_mask_query_param, text)
    return text


def _mask_query_param(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={REDACTED}" if is_secret_key(name) else match.group(0)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A deep copy of ``value`` with secret-named keys masked and secret values replaced."""
    return _redact(value, longest_first(secrets))


def redact_ordered(value: Any, secrets: tuple[str, ...]) -> Any:
    """``redact`` with ``secrets`` already prepared by ``longest_first``."""
    return _redact(value, secrets)


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    # Exact-type tests first: payloads are mostly str, dict and numbers, and the abstract
    # Mapping test costs more than the rest of the work on a scalar.
    kind = type(value)
    if kind is str:
        return _redact_text(value, secrets)
    if kind in _PLAIN:
        return value
    if kind is dict or isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            name = str(k)
            out[name] = REDACTED if _masks(name, v) else _redact(v, secrets)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        return _redact_text(value, secrets)
    return value


def _masks(key: str, value: Any) -> bool:
    return is_secret_key(key) and value not in (None, "") and not isinstance(value, Mapping)
