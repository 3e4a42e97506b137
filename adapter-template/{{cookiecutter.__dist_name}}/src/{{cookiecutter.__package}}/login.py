"""The {{ cookiecutter.broker_name }} login: client id and password, then the OTP the broker sends.

Replace the steps with your broker's. Secrets leave this module only inside the request
bodies; the session token comes back as a ``SecretStr``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from ordo import BrokerSession, ChallengeKind, InvalidRequest, LoginChallenge
from pydantic import SecretStr

from {{ cookiecutter.__package }}.client import call
from {{ cookiecutter.__package }}.settings import {{ cookiecutter.class_prefix }}Settings

OTP_VALIDITY = timedelta(minutes=5)


async def begin_login(http: httpx.AsyncClient, settings: {{ cookiecutter.class_prefix }}Settings) -> LoginChallenge:
    """Send the password; the broker answers with a request id and sends an OTP."""
    body = {"client_id": settings.client_id, "password": settings.password.get_secret_value()}
    data = await call(http, "POST", "/v1/session/login", json=body)
    return LoginChallenge(
        kind=ChallengeKind.OTP,
        prompt=f"Enter the OTP {{ cookiecutter.broker_name }} sent for {settings.client_id}",
        expires_at=datetime.now(UTC) + OTP_VALIDITY,
        state={"request_id": str(data["request_id"])},
    )


async def complete_login(
    http: httpx.AsyncClient,
    settings: {{ cookiecutter.class_prefix }}Settings,
    challenge: LoginChallenge,
    answer: str,
) -> BrokerSession:
    """Exchange the request id and the OTP for a session."""
    request_id = challenge.state.get("request_id")
    if not request_id:
        raise InvalidRequest("this challenge does not come from a {{ cookiecutter.broker_name }} login")
    body = {"request_id": request_id, "otp": answer.strip()}
    data = await call(http, "POST", "/v1/session/otp", json=body)
    return BrokerSession(
        access_token=SecretStr(data["access_token"]),
        user_id=settings.client_id,
        expires_at=datetime.fromtimestamp(data["expires_at"], UTC),
    )
