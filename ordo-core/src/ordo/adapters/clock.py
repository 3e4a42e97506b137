"""Session-expiry arithmetic shared by adapters: JWT ``exp`` and the IST trading day."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, time, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), name="IST")


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT as an aware UTC datetime, or ``None`` when absent.

    The signature is not checked: the broker is the authority, Ordo only wants to know
    when to stop using the token.
    """
    parts = token.split(".")
    if len(parts) < 2:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, json.JSONDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int | float):
        return None
    return datetime.fromtimestamp(exp, UTC)


def next_midnight_ist(now: datetime | None = None) -> datetime:
    """The next 00:00 IST after ``now``, in UTC."""
    local = (now or datetime.now(UTC)).astimezone(IST)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), IST)
    return midnight.astimezone(UTC)


def next_ist_time(at: time, now: datetime | None = None) -> datetime:
    """The next moment the IST wall clock shows ``at``, in UTC."""
    local = (now or datetime.now(UTC)).astimezone(IST)
    candidate = datetime.combine(local.date(), at, IST)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)
