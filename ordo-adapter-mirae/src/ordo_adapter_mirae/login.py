"""The m.Stock login: username and password, then the SMS OTP (or the authenticator's
TOTP, generated here when ``totp_secret`` is configured); and the pure session arithmetic
and mapping of m.Stock's session object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import pyotp
from ordo.adapters.clock import next_midnight_ist
from ordo.adapters.errors import AuthFailed, BrokerUnavailable, InvalidRequest
from ordo.adapters.values import parse_text
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from pydantic import SecretStr

from ordo_adapter_mirae.mapping import MappingError
from ordo_adapter_mirae.settings import MiraeSettings
from ordo_adapter_mirae.typea import TypeAApi
from ordo_adapter_mirae.values import lower_keys

STEP_OTP = "otp"
STEP_TOTP = "totp"


class MiraeLogin:
    """The login steps of one account. Holds no session: each finished login returns one.

    The checksum that worked (``L`` or the fallback ``W``) is remembered for the next login.
    """

    def __init__(
        self, settings: MiraeSettings, api: TypeAApi, clock: Callable[[], datetime]
    ) -> None:
        self._settings = settings
        self._api = api
        self._clock = clock
        self._checksum = settings.checksum

    async def begin(self, account: str) -> LoginChallenge | BrokerSession:
        """Send username and password; then either finish with the configured TOTP secret
        or ask for the SMS OTP / the authenticator code."""
        await self._password_step()
        secret = self._settings.totp_secret
        if secret is not None:
            return await self._finish(STEP_TOTP, _totp_now(secret))
        return self._challenge(account, STEP_TOTP if self._settings.authenticator else STEP_OTP)

    async def complete(
        self, account: str, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        step = challenge.state.get("step")
        if step not in (STEP_OTP, STEP_TOTP) or challenge.state.get("account") != account:
            raise InvalidRequest(
                "this challenge does not belong to an m.Stock login of this account"
            )
        if challenge.is_expired(self._clock()):
            raise AuthFailed("the login challenge has expired; start the login again")
        code = answer.strip()
        if not code.isdigit() or not 4 <= len(code) <= 8:
            raise InvalidRequest("the answer must be the 4 to 8 digit code")
        return await self._finish(str(step), code)

    async def resend(self, account: str, challenge: LoginChallenge) -> LoginChallenge:
        """Repeat the password step, which makes m.Stock send a new SMS OTP."""
        if challenge.state.get("step") != STEP_OTP:
            raise InvalidRequest("only an SMS OTP can be sent again")
        await self._password_step()
        return self._challenge(account, STEP_OTP)

    async def _password_step(self) -> None:
        data = await self._api.login(
            self._settings.username, self._settings.password, self._settings.login_field_names
        )
        row = data[0] if isinstance(data, list) and data else data
        if isinstance(row, dict) and login_flag(row.get("is_error")):
            raise AuthFailed("m.Stock refused the sign-in")

    def _challenge(self, account: str, step: str) -> LoginChallenge:
        expires = self._clock() + timedelta(seconds=self._settings.challenge_ttl_seconds)
        if step == STEP_TOTP:
            return LoginChallenge(
                kind=ChallengeKind.TOTP,
                prompt="Enter the 6-digit code from the authenticator app linked to m.Stock",
                expires_at=expires,
                state={"step": STEP_TOTP, "account": account},
            )
        return LoginChallenge(
            kind=ChallengeKind.OTP,
            prompt="Enter the OTP m.Stock sent by SMS to the registered mobile number",
            expires_at=expires,
            resendable=True,
            state={"step": STEP_OTP, "account": account},
        )

    async def _finish(self, step: str, code: str) -> BrokerSession:
        if step == STEP_TOTP:
            data = await self._api.verify_totp(self._settings.api_key, code)
            extra = {"login": "totp"}
        else:
            data, checksum = await self._session_token(code)
            extra = {"login": "otp", "checksum": checksum}
        try:
            return session_from_data(
                data, logged_in_at=self._clock(), hours=self._settings.session_hours, extra=extra
            )
        except MappingError as exc:
            raise BrokerUnavailable(f"m.Stock login reply: {exc}") from None

    async def _session_token(self, otp: str) -> tuple[Any, str]:
        """Send the OTP with the literal checksum ``L``; when m.Stock refuses that as input,
        try the fallback ``W`` once and remember whichever worked."""
        try:
            data = await self._api.session_token(self._settings.api_key, otp, self._checksum)
            return data, self._checksum
        except InvalidRequest:
            fallback = self._settings.checksum_fallback
            if not fallback or fallback == self._checksum:
                raise
        data = await self._api.session_token(self._settings.api_key, otp, fallback)
        self._checksum = fallback
        return data, fallback


def _totp_now(secret: SecretStr) -> str:
    try:
        return pyotp.TOTP(secret.get_secret_value()).now()
    except (ValueError, TypeError):
        raise AuthFailed("the configured totp_secret is not a valid base32 secret") from None


def session_expiry(logged_in_at: datetime, hours: float = 12.0) -> datetime:
    """m.Stock tokens end 12 hours after login or at the next midnight IST, whichever is
    first."""
    return min(logged_in_at + timedelta(hours=hours), next_midnight_ist(logged_in_at))


def session_from_data(
    data: Any, *, logged_in_at: datetime, hours: float, extra: Mapping[str, str]
) -> BrokerSession:
    """The ``data`` of ``session/token`` or ``session/verifytotp`` -> ``BrokerSession``.

    Only the access token is secret; the user id rides in ``extra`` so a restored session
    needs nothing else (the API key comes from the account's settings), with the user's
    name and email, the profile the Type A API reports only here (the stored session is
    encrypted).
    """
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, Mapping):
        raise MappingError("the session reply carries no session object")
    r = lower_keys(data)
    token = parse_text(r.get("access_token"))
    if not token:
        raise MappingError("the session reply carries no access_token")
    user_id = parse_text(r.get("user_id")) or None
    refresh = parse_text(r.get("refresh_token"))
    details = {
        "user_name": parse_text(r.get("user_name")),
        "email": parse_text(r.get("email")),
        **extra,
    }
    if user_id:
        details["user_id"] = user_id
    return BrokerSession(
        access_token=SecretStr(token),
        refresh_token=SecretStr(refresh) if refresh else None,
        user_id=user_id,
        logged_in_at=logged_in_at,
        expires_at=session_expiry(logged_in_at, hours),
        extra={key: value for key, value in details.items() if value},
    )


def login_flag(value: Any) -> bool:
    """Login flags arrive as booleans or as the strings ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    return parse_text(value).lower() in ("true", "1", "yes")
