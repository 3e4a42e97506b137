"""Login flows against the fake: official redirect, unofficial headless TOTP + PIN, expiry,
restore after restart, logout."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from ordo.adapters.clock import jwt_expiry
from ordo.adapters.errors import AuthFailed, SessionExpired
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo_adapter_fyers.adapter import FyersAdapter
from ordo_adapter_fyers.login import app_id_hash, auth_code_from_answer
from ordo_adapter_fyers.settings import FyersSettings
from ordo_adapter_fyers.testing import FyersHarness
from pydantic import SecretStr, ValidationError


def test_app_id_hash_is_sha256_of_id_colon_secret() -> None:
    expected = hashlib.sha256(b"XC1234ABCD-100:s3cret").hexdigest()
    assert app_id_hash("XC1234ABCD-100", "s3cret") == expected


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("abc.def.ghi", "abc.def.ghi"),
        ("  abc  ", "abc"),
        ("https://app.example/cb?s=ok&code=200&auth_code=XYZ&state=st1", "XYZ"),
        ("https://app.example/cb?auth_code=XYZ", "XYZ"),
        ("cb?auth_code=XYZ&state=st1", "XYZ"),
    ],
)
def test_auth_code_from_answer(answer: str, code: str) -> None:
    assert auth_code_from_answer(answer, "st1") == code


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ("", "empty"),
        ("https://app.example/cb?s=error&code=-374", "reported"),
        ("https://app.example/cb?s=ok&auth_code=XYZ&state=other", "state"),
        ("https://app.example/cb?s=ok&state=st1", "no auth_code"),
    ],
)
def test_bad_answers(answer: str, match: str) -> None:
    with pytest.raises(AuthFailed, match=match):
        auth_code_from_answer(answer, "st1")


async def test_redirect_login(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.REDIRECT_URL
    assert not challenge.resendable
    assert challenge.expires_at > datetime.now(UTC) + timedelta(minutes=9)
    assert "state" not in challenge.model_dump()
    url = urlsplit(challenge.url or "")
    assert (url.netloc, url.path) == ("api-t1.fyers.in", "/api/v3/generate-authcode")
    query = parse_qs(url.query)
    assert query["client_id"] == [harness.fake.app_id]
    assert query["redirect_uri"] == [harness.fake.redirect_uri]
    assert query["response_type"] == ["code"]
    session = await adapter.complete_login(challenge, harness.answer(challenge))
    assert isinstance(session, BrokerSession)
    token = session.access_token.get_secret_value()
    assert session.expires_at == jwt_expiry(token)
    assert session.user_id == harness.fake.fyers_id
    assert session.extra == {"app_id": harness.fake.app_id, "flow": "redirect"}
    assert token not in repr(session)
    adapter.restore_session(session)
    assert (await adapter.get_funds()).available > 0
    await adapter.aclose()


async def test_following_the_challenge_url_through_the_fake(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    async with httpx.AsyncClient(transport=harness.transport) as browser:
        reply = await browser.get(challenge.url or "")
    assert reply.status_code == 302
    redirected = reply.headers["location"]
    assert redirected.startswith(harness.fake.redirect_uri)
    session = await adapter.complete_login(challenge, redirected)
    assert isinstance(session, BrokerSession)
    await adapter.aclose()


async def test_bare_auth_code_answer(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    redirected = harness.answer(challenge)
    code = parse_qs(urlsplit(redirected).query)["auth_code"][0]
    assert isinstance(await adapter.complete_login(challenge, code), BrokerSession)
    # An auth code is single-use.
    with pytest.raises(AuthFailed) as info:
        await adapter.complete_login(challenge, code)
    assert info.value.broker_code == "-50"
    await adapter.aclose()


async def test_wrong_answer_and_expired_challenge(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed):
        await adapter.complete_login(challenge, harness.wrong_answer(challenge))
    expired = challenge.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    with pytest.raises(AuthFailed, match="expired"):
        await adapter.complete_login(expired, harness.answer(challenge))
    foreign = LoginChallenge(
        kind=ChallengeKind.OTP, prompt="?", expires_at=datetime.now(UTC) + timedelta(minutes=1)
    )
    with pytest.raises(AuthFailed, match="does not belong"):
        await adapter.complete_login(foreign, "123456")
    await adapter.aclose()


async def test_wrong_app_secret_is_refused_with_371(harness: FyersHarness) -> None:
    adapter = harness.create_adapter(app_secret=SecretStr("not-the-secret"))
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed) as info:
        await adapter.complete_login(challenge, harness.answer(challenge))
    assert info.value.broker_code == "-371"
    assert "not-the-secret" not in str(info.value)
    await adapter.aclose()


async def test_restored_session_works_alone(harness: FyersHarness) -> None:
    first = harness.create_adapter("a")
    session = await harness.login(first)
    await first.aclose()
    # What the core keeps: the model dumped with secrets, then rebuilt after a restart.
    stored = session.model_dump(mode="json")
    stored["access_token"] = session.access_token.get_secret_value()
    stored["refresh_token"] = None
    restored = BrokerSession.model_validate(stored)
    second = harness.create_adapter("a")
    second.restore_session(restored)
    assert len(await second.list_orders()) == 0
    await second.aclose()


async def test_session_of_another_app_is_dropped(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    session = await harness.login(adapter)
    other = session.model_copy(update={"extra": {"app_id": "OTHER0000-100"}})
    adapter.restore_session(other)
    with pytest.raises(SessionExpired):
        await adapter.get_funds()
    await adapter.aclose()


async def test_jwt_expiry_is_enforced_locally(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    session = await harness.login(adapter)
    adapter.restore_session(
        session.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    )
    with pytest.raises(SessionExpired, match="expired"):
        await adapter.get_holdings()
    await adapter.aclose()


async def test_logout_revokes_the_token(harness: FyersHarness) -> None:
    adapter = harness.create_adapter()
    session = await harness.login(adapter)
    await adapter.logout()
    assert adapter.session is None
    again = harness.create_adapter()
    again.restore_session(session)
    with pytest.raises(SessionExpired) as info:
        await again.get_funds()
    assert info.value.broker_code == "-17"
    # Logging out a token the broker already dropped is not an error.
    await again.logout()
    await adapter.logout()
    await adapter.aclose()
    await again.aclose()


def _headless(harness: FyersHarness, **extra: object) -> FyersAdapter:
    # Passed as overrides by name: an ``account`` in ``extra`` must not become the account.
    overrides = {"unofficial_headless_login": True, "fyers_id": harness.fake.fyers_id, **extra}
    return harness.create_adapter("compliance", **overrides)


def test_headless_login_is_off_by_default_and_needs_an_id() -> None:
    base = {"app_id": "XC1234ABCD-100", "app_secret": "x", "redirect_uri": "https://a/cb"}
    assert FyersSettings.model_validate(base).unofficial_headless_login is False
    with pytest.raises(ValidationError, match="fyers_id"):
        FyersSettings.model_validate(base | {"unofficial_headless_login": True})
    settings = FyersSettings.model_validate(base | {"pin": "9876", "totp_secret": "QWERTYSECRET"})
    assert "9876" not in repr(settings)
    assert "QWERTYSECRET" not in repr(settings)
    with pytest.raises(ValidationError):
        FyersSettings.model_validate(base | {"no_such_setting": 1})


async def test_headless_login_asks_totp_then_pin(harness: FyersHarness) -> None:
    adapter = _headless(harness)
    totp = await adapter.begin_login()
    assert isinstance(totp, LoginChallenge)
    assert totp.kind is ChallengeKind.TOTP
    pin = await adapter.complete_login(totp, harness.answer(totp))
    assert isinstance(pin, LoginChallenge)
    assert pin.kind is ChallengeKind.PIN
    session = await adapter.complete_login(pin, harness.answer(pin))
    assert isinstance(session, BrokerSession)
    assert session.extra["flow"] == "headless"
    adapter.restore_session(session)
    assert len(await adapter.get_holdings()) == 1
    await adapter.aclose()


async def test_headless_login_with_stored_totp_secret_and_pin(harness: FyersHarness) -> None:
    adapter = _headless(
        harness,
        totp_secret=SecretStr(harness.fake.totp.secret),
        pin=SecretStr(harness.fake.pin),
    )
    assert adapter.logs_in_unattended()
    # A seed without the PIN, or the official browser flow, still needs a person.
    assert not _headless(
        harness, totp_secret=SecretStr(harness.fake.totp.secret)
    ).logs_in_unattended()
    assert not harness.create_adapter("compliance").logs_in_unattended()
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    assert session.expires_at == jwt_expiry(session.access_token.get_secret_value())
    await adapter.aclose()


async def test_headless_wrong_otp_and_wrong_pin(harness: FyersHarness) -> None:
    adapter = _headless(harness)
    totp = await adapter.begin_login()
    assert isinstance(totp, LoginChallenge)
    with pytest.raises(AuthFailed, match="OTP"):
        await adapter.complete_login(totp, harness.wrong_answer(totp))
    totp = await adapter.begin_login()
    assert isinstance(totp, LoginChallenge)
    pin = await adapter.complete_login(totp, harness.answer(totp))
    assert isinstance(pin, LoginChallenge)
    with pytest.raises(AuthFailed, match="PIN"):
        await adapter.complete_login(pin, harness.wrong_answer(pin))
    await adapter.aclose()


async def test_headless_unknown_user(harness: FyersHarness) -> None:
    adapter = harness.create_adapter(unofficial_headless_login=True, fyers_id="NOBODY")
    with pytest.raises(AuthFailed) as info:
        await adapter.begin_login()
    assert info.value.broker_code == "-157"
    await adapter.aclose()
