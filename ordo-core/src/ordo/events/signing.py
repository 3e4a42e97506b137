"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``.

Each delivery carries ``Ordo-Signature: t=<unix seconds>,v1=<hex digest>`` and
``Ordo-Event-Id: <event id>``. A receiver recomputes the digest with the shared secret,
compares in constant time, and refuses timestamps older than a few minutes (replays).
``ordo_client.webhooks.verify_signature`` does all three.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Ordo-Signature"
EVENT_ID_HEADER = "Ordo-Event-Id"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
