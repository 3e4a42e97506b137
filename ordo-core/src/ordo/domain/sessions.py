"""Login challenges and broker sessions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ChallengeKind(StrEnum):
    OTP = "otp"
    TOTP = "totp"
    PIN = "pin"
    PASSWORD = "password"
    REDIRECT_URL = "redirect_url"
    """Open ``url`` in a browser; answer with the URL the broker redirected to."""
    AUTH_CODE = "auth_code"


class SessionState(StrEnum):
    NONE = "none"
    PENDING_CHALLENGE = "pending_challenge"
    ACTIVE = "active"
    EXPIRED = "expired"


def new_challenge_id() -> str:
    return secrets.token_urlsafe(12)


class LoginChallenge(BaseModel):
    """One step of a broker login that needs an answer from the user (or from Ordo)."""

    challenge_id: str = Field(default_factory=new_challenge_id)
    kind: ChallengeKind
    prompt: str
    expires_at: datetime
    url: str | None = None
    resendable: bool = False
    state: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)
    """Adapter-private state carried to the next step. Held in memory only, never persisted
    or shown: it may hold intermediate broker tokens."""

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires_at


class BrokerSession(BaseModel):
    """A logged-in broker session. Tokens are ``SecretStr`` so they never print by accident."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    user_id: str | None = None
    logged_in_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    expires_at: datetime | None = None
    extra: dict[str, str] = Field(default_factory=dict)
    """Non-secret adapter data a later call needs (a user id, a segment list)."""

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or datetime.now(UTC)) >= self.expires_at
