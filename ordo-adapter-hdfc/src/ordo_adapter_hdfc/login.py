"""The two InvestRight logins, expressed as Ordo login challenges.

Programmatic: ``GET /login`` (token id) -> ``POST /login/validate`` (username, password) ->
``POST /twofa/validate`` (the OTP as the 2FA answer; ``GET /twofa/resend`` resends) ->
``GET /authorise`` (consent; yields a *new* request token) -> ``POST /access-token``
(``apiSecret``) -> the JWT. Redirect: the user logs in on HDFC's page and pastes the URL it
redirected to; its request token goes straight to ``/access-token``.

Intermediate tokens live only in ``LoginChallenge.state`` (memory). No refresh exists.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ordo.adapters.clock import jwt_expiry, next_ist_time
from ordo.adapters.errors import AuthFailed, InvalidRequest
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from pydantic import SecretStr

from ordo_adapter_hdfc.client import HdfcClient
from ordo_adapter_hdfc.errors import CallKind, Reply
from ordo_adapter_hdfc.mapping import login_field, unwrap
from ordo_adapter_hdfc.settings import HdfcSettings

STEP_PASSWORD = "password"
STEP_TWOFA = "twofa"
STEP_REDIRECT = "redirect"


def jwt_subject(token: str) -> str:
    """The ``sub`` claim (the client code), or ``""``. The signature is not checked."""
    parts = token.split(".")
    if len(parts) < 2:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return ""
    return str(claims.get("sub", "")) if isinstance(claims, dict) else ""


def request_token_from(answer: str, names: list[str]) -> str:
    """The request token in a pasted redirect URL (whichever parameter name carries it), or
    the answer itself when it is a bare token."""
    raw = answer.strip()
    if "?" not in raw and "#" not in raw and "=" not in raw and "://" not in raw:
        return raw
    parts = urlsplit(raw if "://" in raw or raw.startswith("?") else "?" + raw)
    for query in (parts.query, parts.fragment):
        values = parse_qs(query)
        for name in names:
            found = values.get(name)
            if found and found[0].strip():
                return found[0].strip()
    return ""


def twofa_questions(body: Any) -> list[str]:
    """Question texts of the ``twofa.questions`` list (enveloped in ``data`` or not)."""
    for source in (body, unwrap(body)):
        if isinstance(source, Mapping):
            twofa = source.get("twofa") or source.get("twoFa") or source.get("two_fa")
            if isinstance(twofa, Mapping) and isinstance(twofa.get("questions"), list):
                return [
                    str(q.get("question", "")).strip() or "Enter the OTP"
                    for q in twofa["questions"]
                    if isinstance(q, Mapping)
                ]
    return []


def _kind_for(question: str) -> ChallengeKind:
    lowered = question.lower()
    if "pin" in lowered.split() or "mpin" in lowered:
        return ChallengeKind.PIN
    return ChallengeKind.OTP


class HdfcLogin:
    """Runs one account's login steps over an ``HdfcClient``."""

    def __init__(
        self,
        client: HdfcClient,
        settings: HdfcSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock

    def _expiry(self) -> datetime:
        return self._clock() + timedelta(seconds=self._settings.challenge_ttl_seconds)

    async def _call(
        self, method: str, path: str, params: dict[str, str], body: Any = None
    ) -> Reply:
        return await self._client.call(method, path, kind=CallKind.LOGIN, params=params, body=body)

    async def begin(self) -> LoginChallenge:
        if self._settings.login_flow == "redirect":
            return LoginChallenge(
                kind=ChallengeKind.REDIRECT_URL,
                prompt=(
                    "Open the URL, log in to HDFC Securities and answer with the URL you "
                    "were redirected to (or just its request token)"
                ),
                url=f"{self._settings.resolved_login_url()}?api_key="
                + self._settings.api_key.get_secret_value(),
                expires_at=self._expiry(),
                state={"step": STEP_REDIRECT},
            )
        if not self._settings.username:
            raise InvalidRequest("the api login needs the 'username' setting")
        if self._settings.password is None:
            return LoginChallenge(
                kind=ChallengeKind.PASSWORD,
                prompt=f"Password of HDFC Securities user {self._settings.username}",
                expires_at=self._expiry(),
                state={"step": STEP_PASSWORD},
            )
        return await self._credentials(self._settings.password.get_secret_value())

    async def _credentials(self, password: str) -> LoginChallenge:
        paths = self._settings.paths
        reply = await self._call("GET", paths.login, {})
        token_id = login_field(reply.body, "token_id")
        if not token_id:
            raise AuthFailed("the broker returned no tokenId")
        reply = await self._call(
            "POST",
            paths.login_validate,
            {"token_id": token_id},
            {"username": self._settings.username, "password": password},
        )
        recaptcha = unwrap(reply.body)
        if isinstance(recaptcha, Mapping) and recaptcha.get("recaptcha") is True:
            raise AuthFailed("HDFC asks for a captcha: use the redirect login instead")
        return self._twofa_challenge(reply.body, token_id)

    def _twofa_challenge(self, body: Any, token_id: str) -> LoginChallenge:
        questions = twofa_questions(body) or ["Enter the OTP sent to your registered mobile/email"]
        return LoginChallenge(
            kind=_kind_for(questions[0]),
            prompt=questions[0],
            expires_at=self._expiry(),
            resendable=True,
            state={"step": STEP_TWOFA, "token_id": token_id},
        )

    async def complete(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        if challenge.is_expired(self._clock()):
            raise AuthFailed("the login challenge has expired: start the login again")
        step = challenge.state.get("step")
        if step == STEP_PASSWORD:
            return await self._credentials(answer)
        if step == STEP_TWOFA:
            return await self._twofa(str(challenge.state["token_id"]), answer)
        if step == STEP_REDIRECT:
            token = request_token_from(answer, self._settings.redirect_param_names)
            if not token:
                raise AuthFailed("no request token found in the answer")
            return await self._access_token(token)
        raise InvalidRequest("this challenge does not belong to an HDFC login")

    async def _twofa(self, token_id: str, answer: str) -> LoginChallenge | BrokerSession:
        paths = self._settings.paths
        reply = await self._call(
            "POST", paths.twofa_validate, {"token_id": token_id}, {"answer": answer.strip()}
        )
        request_token = login_field(reply.body, "request_token")
        if not request_token:
            if twofa_questions(reply.body):  # a further question
                return self._twofa_challenge(reply.body, token_id)
            raise AuthFailed("the 2FA answer was not accepted")
        # Always give consent: whether it may be skipped when "authorised" is true is unknown.
        reply = await self._call(
            "GET",
            paths.authorise,
            {
                "token_id": token_id,
                "consent": self._settings.consent,
                "request_token": request_token,
            },
        )
        return await self._access_token(login_field(reply.body, "request_token") or request_token)

    async def _access_token(self, request_token: str) -> BrokerSession:
        reply = await self._call(
            "POST",
            self._settings.paths.access_token,
            {"request_token": request_token},
            {"apiSecret": self._settings.api_secret.get_secret_value()},
        )
        token = login_field(reply.body, "access_token")
        if not token:
            raise AuthFailed("the broker returned no access token")
        return self.session_from_token(token)

    def session_from_token(self, token: str) -> BrokerSession:
        """A session whose expiry is the JWT's ``exp`` (else the assumed daily rollover)."""
        now = self._clock()
        expires = jwt_expiry(token) or next_ist_time(self._settings.session_rollover, now)
        subject = jwt_subject(token)
        return BrokerSession(
            access_token=SecretStr(token),
            user_id=subject or self._settings.username or None,
            logged_in_at=now,
            expires_at=expires,
            extra={"client_code": subject, "login_flow": self._settings.login_flow},
        )

    async def resend(self, challenge: LoginChallenge) -> LoginChallenge:
        if challenge.state.get("step") != STEP_TWOFA:
            raise InvalidRequest("only the 2FA step can be resent")
        if challenge.is_expired(self._clock()):
            raise AuthFailed("the login challenge has expired: start the login again")
        token_id = str(challenge.state["token_id"])
        await self._call("GET", self._settings.paths.twofa_resend, {"token_id": token_id})
        return challenge.model_copy(update={"expires_at": self._expiry()})
