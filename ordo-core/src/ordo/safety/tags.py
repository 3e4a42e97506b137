"""Broker-side order tags derived from the idempotency key.

A tag is ``O`` plus 15 upper-case hex digits: 16 alphanumerics, which every launch broker
accepts (Fyers ``orderTag`` 1-30 alphanumerics, m.Stock ``tag``/``ordertag`` under 20
alphanumerics). HDFC's numeric ``external_reference_number`` takes ``int(hex, 16)``, at most
19 digits, and maps back losslessly (``tag_to_number`` / ``tag_from_number``).
"""

from __future__ import annotations

import hashlib
import re

TAG_PATTERN = re.compile(r"^O[0-9A-F]{15}$")
_HEX_DIGITS = 15


def order_tag(scope: str, idempotency_key: str, leg: str) -> str:
    """The deterministic tag of one leg: same scope, key and leg give the same tag."""
    digest = hashlib.sha256(f"{scope}\x1f{idempotency_key}\x1f{leg}".encode()).hexdigest()
    return "O" + digest[:_HEX_DIGITS].upper()


def slice_tag(scope: str, idempotency_key: str, account: str, index: int) -> str:
    """The tag of child ``index`` of a leg sliced at the freeze quantity: fixed by scope,
    key, account and index, so a retry finds (and never resends) every child by its tag."""
    return order_tag(scope, idempotency_key, f"{account}\x1fslice\x1f{index}")


def is_order_tag(text: str) -> bool:
    return bool(TAG_PATTERN.match(text))


def tag_to_number(tag: str) -> str:
    """The decimal form of a tag, for brokers whose reference field is numeric."""
    if not is_order_tag(tag):
        raise ValueError(f"{tag!r} is not an Ordo order tag")
    return str(int(tag[1:], 16))


def tag_from_number(number: str) -> str | None:
    """Invert ``tag_to_number``; ``None`` for a number no Ordo tag produces."""
    if not number.isdigit():
        return None
    value = int(number)
    if value >= 16**_HEX_DIGITS:
        return None
    return "O" + format(value, f"0{_HEX_DIGITS}X")
