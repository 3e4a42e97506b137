"""Verify Ordo's webhook signatures on the receiving side.

Ordo signs each delivery with ``Ordo-Signature: t=<unix seconds>,v1=<hex>``, the
HMAC-SHA256 of ``<t>.<raw body>`` under the webhook's secret, and names the event in
``Ordo-Event-Id`` (deliveries are at least once: dedupe on it)::

    from ordo_client.webhooks import verify_signature

    verify_signature(secret, request.headers["Ordo-Signature"], raw_body)
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Ordo-Signature"
EVENT_ID_HEADER = "Ordo-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The delivery is not from Ordo (wrong or missing signature) or is a stale replay."""


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check ``header`` against ``body``; returns the signed timestamp. Raises
    ``WebhookSignatureError`` when the header is malformed, the digest does not match
    (compared in constant time) or the timestamp is more than ``tolerance`` seconds away."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    stamp, digest = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not digest:
        raise WebhookSignatureError(f"malformed {SIGNATURE_HEADER} header")
    message = stamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, digest):
        raise WebhookSignatureError("the signature does not match the body")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        raise WebhookSignatureError("the signature is too old (or from the future)")
    return int(stamp)
