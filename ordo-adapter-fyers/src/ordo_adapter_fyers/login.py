"""Fyers login flows.

Official (default): the challenge carries the ``generate-authcode`` URL; the user logs in in
a browser and answers with the URL Fyers redirected to (or the bare ``auth_code``); the
code is exchanged at ``validate-authcode`` with ``appIdHash = sha256("<app_id>:<secret>")``.

Unofficial headless TOTP + PIN (only with ``unofficial_headless_login``): the web-login
endpoints ``send_login_otp`` -> ``verify_otp`` -> ``verify_pin``, then ``/token`` (a 308
whose ``Url`` carries the auth code), then the same exchange.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
from ordo.adapters.clock import jwt_expiry, next_midnight_ist
from ordo.adapters.errors import (
    AuthFailed,
    BrokerError,
    BrokerUnavailable,
    OutcomeUnknown,
    RateLimited,
    SessionExpired,
)
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from pydantic import SecretStr

from ordo_adapter_fyers.client import FyersClient, Reply
from ordo_adapter_fyers.settings import FyersSettings

STEP_AUTH_CODE, STEP_TOTP, STEP_PIN = "auth_code", "totp", "pin"
WEB_LOGIN_APP_ID = "2"
"""``app_id`` the web-login endpoints expect (2 = web login)."""


def app_id_hash(app_id: str, app_secret: str) -> str:
    """Lowercase hex SHA-256 of ``"<app_id>:<app_secret>"`` (app id with its ``-100``)."""
    return hashlib.sha256(f"{app_id}:{app_secret}".encode()).hexdigest()


def authorize_url(settings: FyersSettings, client: FyersClient, state: str) -> str:
    query = urlencode(
        {
            "client_id": settings.app_id,
            "redirect_uri": settings.redirect_uri,
            "response_type": "code",
            "state": state,
        }
    )
    return f"{client.api('generate-authcode')}?{query}"


def auth_code_from_answer(answer: str, expected_state: str | None = None) -> str:
    """The ``auth_code`` in a redirected URL (or the answer itself when it is a bare code).

    Raises ``AuthFailed`` when the redirect reports an error or carries another login's
    ``state``.
    """
    text = answer.strip()
    if not text:
        raise AuthFailed("empty answer: paste the redirected URL or the auth_code")
    if "auth_code=" not in text and "://" not in text and "?" not in text:
        return text
    query = parse_qs(urlsplit(text).query or text.partition("?")[2])
    status = query.get("s", ["ok"])[0]
    if status != "ok":
        raise AuthFailed(f"Fyers login reported {status!r}", broker_code=query.get("code", [""])[0])
    state = query.get("state", [None])[0]
    if expected_state and state is not None and state != expected_state:
        raise AuthFailed("the redirect belongs to another login attempt (state mismatch)")
    code = query.get("auth_code", [""])[0]
    if not code:
        raise AuthFailed("the redirected URL carries no auth_code")
    return code


def jwt_claims(token: str) -> dict[str, Any]:
    """The unverified payload of a JWT; empty when unreadable."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def session_from_token(
    access_token: str,
    settings: FyersSettings,
    *,
    flow: str,
    refresh_token: str | None = None,
    now: datetime | None = None,
) -> BrokerSession:
    """A session expiring at the token's JWT ``exp`` (next IST midnight when it has none)."""
    moment = now or datetime.now(UTC)
    claims = jwt_claims(access_token)
    user = claims.get("fy_id")
    return BrokerSession(
        access_token=SecretStr(access_token),
        refresh_token=SecretStr(refresh_token) if refresh_token else None,
        user_id=str(user) if user else None,
        logged_in_at=moment,
        expires_at=jwt_expiry(access_token) or next_midnight_ist(moment),
        extra={"app_id": settings.app_id, "flow": flow},
    )


def _as_login_failure(exc: BrokerError) -> BrokerError:
    """Errors of a login step are auth failures, except the transient ones."""
    if isinstance(exc, RateLimited | BrokerUnavailable):
        return exc
    if isinstance(exc, OutcomeUnknown):
        return BrokerUnavailable(exc.message, broker_code=exc.broker_code)
    return AuthFailed(exc.message, broker_code=exc.broker_code)


class FyersLogin:
    """Runs the login steps; inter-step state lives in ``LoginChallenge.state`` only."""

    def __init__(self, settings: FyersSettings, client: FyersClient) -> None:
        self._settings = settings
        self._client = client

    def _challenge(
        self, kind: ChallengeKind, prompt: str, state: dict[str, Any], url: str | None = None
    ) -> LoginChallenge:
        expires = datetime.now(UTC) + timedelta(seconds=self._settings.login_challenge_ttl)
        return LoginChallenge(kind=kind, prompt=prompt, expires_at=expires, url=url, state=state)

    async def begin(self) -> LoginChallenge | BrokerSession:
        if self._settings.unofficial_headless_login:
            return await self._begin_headless()
        state = secrets.token_urlsafe(16)
        return self._challenge(
            ChallengeKind.REDIRECT_URL,
            "Open the URL, log in to Fyers, then paste the URL you were redirected to "
            "(or just its auth_code).",
            {"step": STEP_AUTH_CODE, "oauth_state": state},
            url=authorize_url(self._settings, self._client, state),
        )

    async def complete(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        if challenge.is_expired():
            raise AuthFailed("the login challenge has expired; start the login again")
        step = challenge.state.get("step")
        if step == STEP_AUTH_CODE:
            code = auth_code_from_answer(answer, challenge.state.get("oauth_state"))
            return await self._exchange(code, flow="redirect")
        if step == STEP_TOTP:
            return await self._verify_otp(str(challenge.state["request_key"]), answer.strip())
        if step == STEP_PIN:
            return await self._verify_pin(str(challenge.state["request_key"]), answer.strip())
        raise AuthFailed("this challenge does not belong to a Fyers login in progress")

    async def logout(self, access_token: str) -> None:
        # A token already dead at the broker is as logged out as it gets.
        with contextlib.suppress(SessionExpired):
            await self._client.call(
                "POST", self._client.api("logout"), headers=self._client.auth_header(access_token)
            )

    # -- steps ---------------------------------------------------------------------------
    async def _post(
        self,
        url: str,
        body: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        ok_statuses: frozenset[int] = frozenset({200}),
    ) -> Reply:
        try:
            return await self._client.call(
                "POST", url, json_body=dict(body), headers=headers, ok_statuses=ok_statuses
            )
        except BrokerError as exc:
            raise _as_login_failure(exc) from None

    async def _exchange(self, auth_code: str, *, flow: str) -> BrokerSession:
        secret = self._settings.app_secret.get_secret_value()
        reply = await self._post(
            self._client.api("validate-authcode"),
            {
                "grant_type": "authorization_code",
                "appIdHash": app_id_hash(self._settings.app_id, secret),
                "code": auth_code,
            },
        )
        token = reply.body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthFailed("validate-authcode returned no access_token")
        refresh = reply.body.get("refresh_token")
        return session_from_token(
            token,
            self._settings,
            flow=flow,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        )

    async def _begin_headless(self) -> LoginChallenge | BrokerSession:
        reply = await self._post(
            self._client.login("send_login_otp"),
            {"fy_id": self._settings.fyers_id, "app_id": WEB_LOGIN_APP_ID},
        )
        request_key = _request_key(reply)
        if self._settings.totp_secret is not None:
            code = pyotp.TOTP(self._settings.totp_secret.get_secret_value()).now()
            return await self._verify_otp(request_key, code)
        return self._challenge(
            ChallengeKind.TOTP,
            "Enter the 6-digit code from your Fyers authenticator app (unofficial login).",
            {"step": STEP_TOTP, "request_key": request_key},
        )

    async def _verify_otp(self, request_key: str, otp: str) -> LoginChallenge | BrokerSession:
        reply = await self._post(
            self._client.login("verify_otp"), {"request_key": request_key, "otp": otp}
        )
        next_key = _request_key(reply)
        if self._settings.pin is not None:
            return await self._verify_pin(next_key, self._settings.pin.get_secret_value())
        return self._challenge(
            ChallengeKind.PIN,
            "Enter your Fyers login PIN.",
            {"step": STEP_PIN, "request_key": next_key},
        )

    async def _verify_pin(self, request_key: str, pin: str) -> BrokerSession:
        reply = await self._post(
            self._client.login("verify_pin"),
            {"request_key": request_key, "identity_type": "pin", "identifier": pin},
        )
        data = reply.body.get("data")
        trade_token = data.get("access_token") if isinstance(data, Mapping) else None
        if not isinstance(trade_token, str) or not trade_token:
            raise AuthFailed("verify_pin returned no token")
        return await self._exchange(await self._auth_code_for(trade_token), flow="headless")

    async def _auth_code_for(self, trade_token: str) -> str:
        state = secrets.token_urlsafe(8)
        reply = await self._post(
            self._client.api("token"),
            {
                "fyers_id": self._settings.fyers_id,
                "app_id": self._settings.app_id_without_type,
                "redirect_uri": self._settings.redirect_uri,
                "appType": self._settings.app_type,
                "code_challenge": "",
                "state": state,
                "scope": "",
                "nonce": "",
                "response_type": "code",
                "create_cookie": True,
            },
            headers={"Authorization": f"Bearer {trade_token}"},
            ok_statuses=frozenset({200, 308}),
        )
        url = reply.body.get("Url") or reply.body.get("url") or reply.headers.get("location")
        if not isinstance(url, str) or not url:
            raise AuthFailed("the token step returned no redirect URL")
        return auth_code_from_answer(url, state)


def _request_key(reply: Reply) -> str:
    key = reply.body.get("request_key")
    if not isinstance(key, str) or not key:
        raise AuthFailed("the login step returned no request_key")
    return key
