"""The login state machine through the API, on the paper broker's OTP flow: wrong, expired
and exhausted answers, resend, logout, and the typed errors the client SDK sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo import hookimpl
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, load_settings
from ordo.persistence import SessionRepository
from ordo.plugins import create_plugins
from ordo_client import AsyncOrdo, RetryPolicy
from ordo_client.errors import OrdoAPIError
from ordo_testing.server import InProcessGateway, gateway_in_process

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "sessions-login-token-8f2a"
OTP = "24681097"


class Recorder:
    """Collects every audit event."""

    __name__ = "audit_recorder"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def kinds(self, account: str) -> list[str]:
        return [e.kind for e in self.events if e.account == account]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def gw(tmp_path: Path, recorder: Recorder) -> AsyncIterator[InProcessGateway]:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "desk": AccountConfig(adapter="mock", settings={"login_otp": OTP}),
            "brief": AccountConfig(
                adapter="mock", settings={"login_otp": OTP, "challenge_ttl_seconds": 0}
            ),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[recorder])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gateway:
        yield gateway


async def begin(gw: InProcessGateway, account: str) -> dict[str, Any]:
    response = await gw.client.post(f"/api/v1/accounts/{account}/login")
    assert response.status_code == 200, response.json()
    challenge: dict[str, Any] = response.json()["data"]["challenge"]
    return challenge


async def answer(gw: InProcessGateway, account: str, challenge_id: str, text: str) -> Any:
    return await gw.client.post(
        f"/api/v1/accounts/{account}/login/{challenge_id}", json={"answer": text}
    )


async def state_of(gw: InProcessGateway, account: str) -> dict[str, Any]:
    rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
    row: dict[str, Any] = next(r for r in rows if r["name"] == account)
    return row


async def test_otp_flow_stores_the_session_encrypted_and_audits_each_step(
    gw: InProcessGateway, recorder: Recorder
) -> None:
    assert (await state_of(gw, "desk"))["session_state"] == "none"
    challenge = await begin(gw, "desk")
    assert challenge["kind"] == "otp"
    assert challenge["resendable"] is True
    assert (await state_of(gw, "desk"))["session_state"] == "pending_challenge"

    wrong = await answer(gw, "desk", challenge["challenge_id"], "000000")
    assert wrong.status_code == 422
    assert wrong.json()["error_code"] == "WRONG_ANSWER"
    assert "desk" in wrong.json()["message"]

    right = await answer(gw, "desk", challenge["challenge_id"], OTP)
    data = right.json()["data"]
    assert data["state"] == "active"
    row = await state_of(gw, "desk")
    assert row["session_state"] == "active"
    assert row["logged_in_at"] == data["session"]["logged_in_at"]
    assert row["expires_at"] == data["session"]["expires_at"]

    async with gw.runtime.db.session() as s:
        record = await SessionRepository(s).get("desk")
    session = gw.runtime.accounts.get("desk").adapter.session
    assert record is not None
    assert record.state == "active"
    assert session is not None
    assert record.encrypted_session is not None
    assert session.access_token.get_secret_value() not in record.encrypted_session

    kinds = recorder.kinds("desk")
    assert kinds.index("login.step") < kinds.index("login.failed") < kinds.index("session.active")
    failed = next(e for e in recorder.events if e.kind == "login.failed")
    assert failed.payload == {"adapter": "mock", "reason": "AUTH_FAILED", "attempts_left": 2}

    out = (await gw.client.delete("/api/v1/accounts/desk/session")).json()
    assert out["data"]["state"] == "none"
    async with gw.runtime.db.session() as s:
        assert await SessionRepository(s).get("desk") is None
    assert "session.ended" in recorder.kinds("desk")


async def test_an_expired_challenge_is_gone(gw: InProcessGateway) -> None:
    challenge = await begin(gw, "brief")
    expired = await answer(gw, "brief", challenge["challenge_id"], OTP)
    assert expired.status_code == 410
    assert expired.json()["error_code"] == "CHALLENGE_EXPIRED"
    assert "start the login again" in expired.json()["message"]
    again = await answer(gw, "brief", challenge["challenge_id"], OTP)
    assert again.json()["error_code"] == "CHALLENGE_NOT_FOUND"
    assert (await state_of(gw, "brief"))["session_state"] == "none"


async def test_resend_replaces_the_challenge(gw: InProcessGateway) -> None:
    first = await begin(gw, "desk")
    resent = await gw.client.post(f"/api/v1/accounts/desk/login/{first['challenge_id']}/resend")
    second = resent.json()["data"]["challenge"]
    assert second["challenge_id"] != first["challenge_id"]
    stale = await answer(gw, "desk", first["challenge_id"], OTP)
    assert stale.json()["error_code"] == "CHALLENGE_NOT_FOUND"
    done = await answer(gw, "desk", second["challenge_id"], OTP)
    assert done.json()["data"]["state"] == "active"


async def test_too_many_wrong_answers_through_the_sdk(gw: InProcessGateway) -> None:
    # The SDK's own retry policy must not resend a refused answer: the third wrong OTP
    # is reported as such, not as a vanished challenge.
    transport = httpx.ASGITransport(app=gw.app)
    async with AsyncOrdo(
        "http://ordo.test", TOKEN, transport=transport, retry=RetryPolicy(seed=1)
    ) as client:
        step = await client.login("desk")
        assert step.challenge is not None
        codes = []
        for attempt in ("1", "2", "3"):
            with pytest.raises(OrdoAPIError) as refused:
                await client.answer_challenge("desk", step.challenge.challenge_id, attempt)
            codes.append(refused.value.error_code)
        assert codes == ["WRONG_ANSWER", "WRONG_ANSWER", "LOGIN_ATTEMPTS_EXCEEDED"]
        assert refused.value.details is None or "attempts_left" not in refused.value.details
        fresh = await client.login("desk")
        assert fresh.challenge is not None
        done = await client.answer_challenge("desk", fresh.challenge.challenge_id, OTP)
        assert done.active
