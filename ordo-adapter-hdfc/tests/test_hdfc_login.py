"""Both login flows against the fake, and session handling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ordo.adapters.clock import jwt_expiry
from ordo.adapters.errors import AuthFailed, InvalidRequest, SessionExpired
from ordo.domain import BrokerSession, ChallengeKind, Funds, LoginChallenge
from ordo_adapter_hdfc.login import request_token_from
from ordo_adapter_hdfc.testing import HdfcHarness


async def test_api_login_asks_for_the_otp_then_yields_a_session(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.OTP
    assert challenge.resendable
    assert "OTP" in challenge.prompt
    assert challenge.state["token_id"] in hdfc_harness.broker.validated
    session = await adapter.complete_login(challenge, hdfc_harness.broker.config.otp)
    assert isinstance(session, BrokerSession)
    assert adapter.session is session
    token = session.access_token.get_secret_value()
    assert session.expires_at == jwt_expiry(token)
    assert session.user_id == "FK1234"
    assert session.extra["client_code"] == "FK1234"
    assert token in hdfc_harness.broker.access_tokens
    assert isinstance(await adapter.get_funds(), Funds)
    assert token not in repr(session)
    assert token not in repr(adapter)
    await adapter.aclose()


async def test_password_challenge_when_no_password_is_configured(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(password=None)
    first = await adapter.begin_login()
    assert isinstance(first, LoginChallenge)
    assert first.kind is ChallengeKind.PASSWORD
    with pytest.raises(AuthFailed, match="Invalid username or password"):
        await adapter.complete_login(first, "wrong-password")
    second = await adapter.complete_login(first, hdfc_harness.broker.config.password)
    assert isinstance(second, LoginChallenge)
    assert second.kind is ChallengeKind.OTP
    session = await adapter.complete_login(second, hdfc_harness.broker.config.otp)
    assert isinstance(session, BrokerSession)
    await adapter.aclose()


async def test_wrong_otp_is_refused_and_the_challenge_can_be_answered_again(
    hdfc_harness: HdfcHarness,
) -> None:
    adapter = hdfc_harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed) as info:
        await adapter.complete_login(challenge, "000000")
    assert "000000" not in str(info.value)
    assert adapter.session is None
    session = await adapter.complete_login(challenge, hdfc_harness.broker.config.otp)
    assert isinstance(session, BrokerSession)
    await adapter.aclose()


async def test_expired_challenge_is_refused_without_calling_the_broker(
    hdfc_harness: HdfcHarness,
) -> None:
    adapter = hdfc_harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    stale = challenge.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    issued = len(hdfc_harness.broker.consent_tokens)
    with pytest.raises(AuthFailed, match="expired"):
        await adapter.complete_login(stale, hdfc_harness.broker.config.otp)
    assert len(hdfc_harness.broker.consent_tokens) == issued
    await adapter.aclose()


async def test_token_id_expired_at_the_broker(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    hdfc_harness.broker.token_ids[challenge.state["token_id"]] -= 3600
    with pytest.raises(AuthFailed, match="expired"):
        await adapter.complete_login(challenge, hdfc_harness.broker.config.otp)
    await adapter.aclose()


async def test_resend_asks_the_broker_again(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    again = await adapter.resend_challenge(challenge)
    assert hdfc_harness.broker.resends == 1
    assert again.challenge_id == challenge.challenge_id
    assert again.expires_at >= challenge.expires_at
    assert isinstance(
        await adapter.complete_login(again, hdfc_harness.broker.config.otp), BrokerSession
    )
    await adapter.aclose()


async def test_wrong_api_secret_fails_the_last_step(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(api_secret="nope")
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed) as info:
        await adapter.complete_login(challenge, hdfc_harness.broker.config.otp)
    assert "nope" not in str(info.value)
    await adapter.aclose()


async def test_consent_spelling_is_configurable(hdfc_harness: HdfcHarness) -> None:
    refused = hdfc_harness.create_adapter(consent="False")
    challenge = await refused.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed, match="Consent"):
        await refused.complete_login(challenge, hdfc_harness.broker.config.otp)
    accepted = hdfc_harness.create_adapter(consent="Y")
    await hdfc_harness.login(accepted)
    assert accepted.session is not None
    await refused.aclose()
    await accepted.aclose()


async def test_api_login_needs_a_username(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(username="")
    with pytest.raises(InvalidRequest, match="username"):
        await adapter.begin_login()
    await adapter.aclose()


@pytest.mark.parametrize("param", ["request_token", "requestToken", "request-token", "code"])
async def test_redirect_login_accepts_every_parameter_name(
    hdfc_harness: HdfcHarness, param: str
) -> None:
    hdfc_harness.broker.config.redirect_param = param
    adapter = hdfc_harness.create_adapter(login_flow="redirect")
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.REDIRECT_URL
    assert challenge.url == "https://developer.hdfcsec.test/oapi/v1/login?api_key=fake-api-key"
    landed = hdfc_harness.broker.redirect_location()
    assert f"?{param}=" in landed
    session = await adapter.complete_login(challenge, landed)
    assert isinstance(session, BrokerSession)
    assert isinstance(await adapter.get_funds(), Funds)
    await adapter.aclose()


async def test_redirect_login_accepts_a_bare_token(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter(login_flow="redirect")
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    session = await adapter.complete_login(challenge, hdfc_harness.broker.browser_token())
    assert isinstance(session, BrokerSession)
    with pytest.raises(AuthFailed, match="no request token"):
        await adapter.complete_login(challenge, "https://example.test/cb?state=1")
    with pytest.raises(AuthFailed):  # a token the broker never issued
        await adapter.complete_login(challenge, "https://example.test/cb?code=forged")
    await adapter.aclose()


def test_request_token_extraction() -> None:
    names = ["request_token", "requestToken", "request-token", "code"]
    assert request_token_from("https://x/cb?requestToken=abc&x=1", names) == "abc"
    assert request_token_from("https://x/cb#code=def", names) == "def"
    assert request_token_from("  tok123 ", names) == "tok123"
    assert request_token_from("request-token=ghi", names) == "ghi"
    assert request_token_from("https://x/cb?other=1", names) == ""


async def test_restored_session_works_in_a_fresh_adapter(hdfc_harness: HdfcHarness) -> None:
    first = hdfc_harness.create_adapter()
    session = await hdfc_harness.login(first)
    stored = BrokerSession.model_validate(
        {**session.model_dump(), "access_token": session.access_token.get_secret_value()}
    )
    fresh = hdfc_harness.create_adapter("other")
    fresh.restore_session(stored)
    assert isinstance(await fresh.get_funds(), Funds)
    await first.aclose()
    await fresh.aclose()


async def test_expired_token_at_the_broker_raises_session_expired(
    hdfc_harness: HdfcHarness,
) -> None:
    adapter = hdfc_harness.create_adapter()
    session = await hdfc_harness.login(adapter)
    hdfc_harness.expire_sessions()
    with pytest.raises(SessionExpired) as info:
        await adapter.get_holdings()
    assert session.access_token.get_secret_value() not in str(info.value)
    await adapter.aclose()


async def test_session_past_its_exp_is_refused_locally(hdfc_harness: HdfcHarness) -> None:
    adapter = hdfc_harness.create_adapter()
    session = await hdfc_harness.login(adapter)
    adapter.restore_session(session.model_copy(update={"expires_at": datetime.now(UTC)}))
    with pytest.raises(SessionExpired):
        await adapter.get_funds()
    await adapter.logout()
    assert adapter.session is None
    await adapter.aclose()


async def test_token_without_exp_falls_back_to_the_daily_rollover(
    hdfc_harness: HdfcHarness,
) -> None:
    adapter = hdfc_harness.create_adapter()
    session = adapter._login.session_from_token("opaque-token")
    assert session.expires_at is not None
    assert timedelta(0) < session.expires_at - datetime.now(UTC) <= timedelta(days=1)
    assert session.user_id == "FAKEUSER"
    await adapter.aclose()
