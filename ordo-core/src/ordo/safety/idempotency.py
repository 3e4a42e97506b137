"""Request fingerprints, key validation and the in-process half of idempotency.

The durable claim (key + fingerprint stored before any broker call, replay of the stored
response, retention and purge) lives in ``ordo.persistence``. Here: the fingerprint that
decides "same request or a reused key", the rules for a valid key, and an in-process guard
that collapses concurrent duplicates before they reach the database.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_KEY_LENGTH = 255


def validate_key(key: str) -> str:
    """Return ``key`` if it is a valid ``Idempotency-Key``: 1-255 printable ASCII characters
    (space to ``~``), not starting or ending with a space; else raise ``ValueError``."""
    if not key:
        raise ValueError("the Idempotency-Key must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(
            f"the Idempotency-Key is {len(key)} characters long; at most {MAX_KEY_LENGTH} "
            "are allowed"
        )
    for position, char in enumerate(key):
        if not " " <= char <= "~":
            raise ValueError(
                f"the Idempotency-Key may hold printable ASCII only; character {position + 1} "
                f"is {char!r}"
            )
    if key[0] == " " or key[-1] == " ":
        raise ValueError("the Idempotency-Key must not start or end with a space")
    return key


def fingerprint(method: str, path: str, body: bytes | Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the request in canonical form.

    JSON key order, whitespace and number spelling (``1.50`` vs ``1.5`` vs ``15e-1``) do not
    change the fingerprint; any change of value does (including ``"1"`` vs ``1``). A body
    that is not JSON is hashed byte for byte; an empty body counts as ``null``.
    """
    if isinstance(body, bytes | bytearray | memoryview):
        canonical = _canonical_bytes(bytes(body))
    else:
        canonical = "j:" + canonical_json(body)
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\n")
    digest.update(path.encode())
    digest.update(b"\n")
    digest.update(canonical.encode() if isinstance(canonical, str) else canonical)
    return digest.hexdigest()


def _canonical_bytes(raw: bytes) -> str | bytes:
    if not raw.strip():
        return "j:null"
    try:
        parsed = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, UnicodeDecodeError):
        return b"raw:" + raw
    return "j:" + canonical_json(parsed)


def canonical_json(value: Any) -> str:
    """Deterministic compact JSON: keys sorted, no whitespace, numbers normalised."""
    return "".join(_emit(value))


def _emit(value: Any) -> Iterator[str]:
    if value is None or isinstance(value, bool):
        yield json.dumps(value)
    elif isinstance(value, enum.Enum):
        yield from _emit(value.value)
    elif isinstance(value, str):
        yield json.dumps(value, ensure_ascii=False)
    elif isinstance(value, int | float | Decimal):
        yield _number(value)
    elif isinstance(value, datetime | date | time):
        yield json.dumps(value.isoformat())
    elif isinstance(value, Mapping):
        items = sorted((_key(k), v) for k, v in value.items())
        yield "{"
        for index, (key, item) in enumerate(items):
            if index:
                yield ","
            yield json.dumps(key, ensure_ascii=False)
            yield ":"
            yield from _emit(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _emit(item)
        yield "]"
    else:
        raise TypeError(f"cannot fingerprint a value of type {type(value).__name__}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
    return key


def _number(value: int | float | Decimal) -> str:
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - Decimal(str(float)) always parses
        raise ValueError(f"cannot fingerprint the number {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"cannot fingerprint the non-finite number {value!r}")
    if number.is_zero():
        return "0"
    # Plain notation of the normalised value: 1.50, 1.5 and 15e-1 all become "1.5".
    return format(number.normalize(), "f")


class InFlightRegistry:
    """Which (scope, key) pairs this process is executing right now.

    The first request with a key claims it locally and goes on to the database claim; a
    concurrent duplicate is answered 409 at once, without a database round trip. Single
    event loop, so plain sets suffice: claim and release never await.
    """

    def __init__(self) -> None:
        self._claimed: set[tuple[str, str]] = set()

    def claim_local(self, scope: str, key: str) -> bool:
        """True if the caller now owns (scope, key); False if it is already in flight."""
        item = (scope, key)
        if item in self._claimed:
            return False
        self._claimed.add(item)
        return True

    def release_local(self, scope: str, key: str) -> None:
        """Give up a claim (releasing one not held is harmless)."""
        self._claimed.discard((scope, key))

    def in_flight(self, scope: str, key: str) -> bool:
        return (scope, key) in self._claimed

    @contextmanager
    def claimed(self, scope: str, key: str) -> Iterator[bool]:
        """``with registry.claimed(scope, key) as owned:`` claims, and releases on exit if
        the claim was ours."""
        owned = self.claim_local(scope, key)
        try:
            yield owned
        finally:
            if owned:
                self.release_local(scope, key)

    def __len__(self) -> int:
        return len(self._claimed)
