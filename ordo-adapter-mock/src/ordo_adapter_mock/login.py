"""The paper broker's login desk: OTP challenges, access and refresh tokens.

Tokens are random; the desk keeps only their SHA-256 digests, so nothing it holds can be
replayed or printed. Without a configured OTP a login returns a session at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ordo.adapters.clock import next_midnight_ist
from ordo.adapters.errors import AuthFailed, SessionExpired
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from pydantic import SecretStr

MAX_OTP_ATTEMPTS = 3
OTP_PROMPT = "Enter the OTP sent to the paper account's registered mobile"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Challenge:
    expires_at: datetime
    attempts: int = 0


@dataclass
class _Token:
    expires_at: datetime | None
    refresh_digest: str | None = None


class SessionDesk:
    """Issues and checks the sessions of one paper account."""

    def __init__(
        self,
        *,
        otp: SecretStr | None = None,
        challenge_ttl: float = 300.0,
        session_ttl: float | None = None,
        user_id: str = "PAPER1",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._otp = otp
        self._challenge_ttl = timedelta(seconds=challenge_ttl)
        self._session_ttl = None if session_ttl is None else timedelta(seconds=session_ttl)
        self.user_id = user_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._challenges: dict[str, _Challenge] = {}
        self._tokens: dict[str, _Token] = {}
        self._refresh_tokens: set[str] = set()

    def __repr__(self) -> str:
        return f"<SessionDesk user={self.user_id!r} active={len(self._tokens)}>"

    @property
    def active_sessions(self) -> int:
        now = self._clock()
        return sum(1 for t in self._tokens.values() if t.expires_at is None or now < t.expires_at)

    # -- login -------------------------------------------------------------------------
    def begin(self) -> LoginChallenge | BrokerSession:
        """An OTP challenge when an OTP is configured, else a session straight away."""
        if self._otp is None:
            return self._issue()
        return self._new_challenge()

    def _new_challenge(self) -> LoginChallenge:
        expires_at = self._clock() + self._challenge_ttl
        challenge = LoginChallenge(
            kind=ChallengeKind.OTP, prompt=OTP_PROMPT, expires_at=expires_at, resendable=True
        )
        self._challenges[challenge.challenge_id] = _Challenge(expires_at)
        return challenge

    def complete(self, challenge: LoginChallenge, answer: str) -> BrokerSession:
        """Check the OTP. A wrong answer raises ``AuthFailed``; after three wrong answers,
        or once it has expired, the challenge is void and a new login is needed."""
        record = self._challenges.get(challenge.challenge_id)
        if record is None or self._otp is None:
            raise AuthFailed("unknown or already used login challenge; start a new login")
        if self._clock() >= record.expires_at:
            del self._challenges[challenge.challenge_id]
            raise AuthFailed("the OTP has expired; start a new login")
        expected = self._otp.get_secret_value().encode()
        if not hmac.compare_digest(answer.strip().encode(), expected):
            record.attempts += 1
            if record.attempts >= MAX_OTP_ATTEMPTS:
                del self._challenges[challenge.challenge_id]
                raise AuthFailed("wrong OTP; too many attempts, start a new login")
            raise AuthFailed("wrong OTP")
        del self._challenges[challenge.challenge_id]
        return self._issue()

    def resend(self, challenge: LoginChallenge) -> LoginChallenge:
        """A fresh challenge replacing ``challenge``."""
        if self._challenges.pop(challenge.challenge_id, None) is None:
            raise AuthFailed("unknown or already used login challenge; start a new login")
        return self._new_challenge()

    # -- sessions ----------------------------------------------------------------------
    def _expiry(self, now: datetime) -> datetime:
        if self._session_ttl is None:
            return next_midnight_ist(now)
        return now + self._session_ttl

    def _issue(self, refresh_token: str | None = None) -> BrokerSession:
        now = self._clock()
        access = secrets.token_urlsafe(24)
        refresh = refresh_token or secrets.token_urlsafe(24)
        refresh_digest = _digest(refresh)
        self._refresh_tokens.add(refresh_digest)
        expires_at = self._expiry(now)
        self._tokens[_digest(access)] = _Token(expires_at, refresh_digest)
        return BrokerSession(
            access_token=SecretStr(access),
            refresh_token=SecretStr(refresh),
            user_id=self.user_id,
            logged_in_at=now,
            expires_at=expires_at,
            extra={"broker": "paper"},
        )

    def check(self, session: BrokerSession) -> None:
        """Raise ``SessionExpired`` unless the broker still honours ``session``."""
        token = self._tokens.get(_digest(session.access_token.get_secret_value()))
        if token is None:
            raise SessionExpired("the paper broker does not recognise this session")
        if token.expires_at is not None and self._clock() >= token.expires_at:
            raise SessionExpired("the paper broker session has expired")

    def refresh(self, session: BrokerSession) -> BrokerSession:
        """A new access token for the session's refresh token; the old access token ends."""
        if session.refresh_token is None:
            raise SessionExpired("this session has no refresh token; log in again")
        refresh = session.refresh_token.get_secret_value()
        if _digest(refresh) not in self._refresh_tokens:
            raise SessionExpired("the refresh token is no longer valid; log in again")
        self._tokens.pop(_digest(session.access_token.get_secret_value()), None)
        return self._issue(refresh)

    def revoke(self, session: BrokerSession) -> None:
        """Log ``session`` out: its access and refresh tokens stop working."""
        token = self._tokens.pop(_digest(session.access_token.get_secret_value()), None)
        if token is not None and token.refresh_digest is not None:
            self._refresh_tokens.discard(token.refresh_digest)

    def expire_all(self) -> None:
        """End every session this desk issued, refresh tokens included."""
        self._tokens.clear()
        self._refresh_tokens.clear()
