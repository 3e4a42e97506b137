"""How the fake InvestRight reads and echoes ``external_reference_number``: the docs send a
JSON number (at most 20 digits) and show the order book echoing a prefixed string
("STAPI..."); which echo a live account gives is unconfirmed, so the fake plays each."""

from __future__ import annotations

from typing import Any, Literal

ReferenceEcho = Literal["prefixed", "number", "string"]
ECHO_PREFIX = "STAPI"
MAX_DIGITS = 20


def reference_refusal(value: Any) -> str | None:
    """Why the broker refuses ``value`` as a reference, or ``None`` when it takes it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return "external_reference_number must be numeric, max 20 chars"
    digits = str(value)
    if not digits.isdigit() or len(digits) > MAX_DIGITS:
        return "external_reference_number must be numeric, max 20 chars"
    return None


def echo_reference(value: Any, style: ReferenceEcho) -> int | str:
    """The order book's ``external_reference_number`` for a placed ``value``."""
    if value is None or value == "":
        return ""
    digits = str(value)
    if style == "number":
        return int(digits)
    if style == "prefixed":
        return f"{ECHO_PREFIX}{digits}"
    return digits
