"""Both m.Stock login paths end to end against the fake: SMS OTP and TOTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ordo.adapters.clock import next_midnight_ist
from ordo.adapters.errors import AuthFailed, InvalidRequest, SessionExpired
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo_adapter_mirae.adapter import MiraeAdapter
from ordo_adapter_mirae.testing import API_KEY, PASSWORD, TOTP_SECRET, USERNAME, MiraeHarness
from pydantic import SecretStr


async def test_sms_otp_login(harness: MiraeHarness, anon: MiraeAdapter) -> None:
    before = datetime.now(UTC)
    challenge = await anon.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.OTP
    assert challenge.resendable
    assert before < challenge.expires_at <= before + timedelta(seconds=301)
    # The field names the official SDK sends (known to work in production).
    assert harness.broker.forms[-1] == {"Username": USERNAME, "Password": PASSWORD}

    session = await anon.complete_login(challenge, harness.answer(challenge))
    assert isinstance(session, BrokerSession)
    assert anon.session is session
    assert harness.broker.forms[-1]["checksum"] == "L"  # a literal source code, not a hash
    assert harness.broker.forms[-1]["api_key"] == API_KEY
    assert session.user_id == "MA0001"
    assert session.extra["login"] == "otp"
    assert session.expires_at is not None
    assert session.expires_at <= session.logged_in_at + timedelta(hours=12)
    assert session.expires_at <= next_midnight_ist(session.logged_in_at)
    funds = await anon.get_funds()
    assert funds.available > 0


async def test_checksum_falls_back_to_w(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, accepted_checksums=("W",))
    adapter = harness.create_adapter()
    session = await harness.login(adapter)
    checksums = [form["checksum"] for form in harness.broker.forms if "checksum" in form]
    assert checksums == ["L", "W"]
    assert session.extra["checksum"] == "W"
    await adapter.aclose()


async def test_wrong_password(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter(password=SecretStr("wrong"))
    with pytest.raises(AuthFailed, match="Invalid username or password"):
        await adapter.begin_login()
    await adapter.aclose()


async def test_wrong_otp_then_right_otp(harness: MiraeHarness, anon: MiraeAdapter) -> None:
    challenge = await anon.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed, match="OTP is incorrect"):
        await anon.complete_login(challenge, harness.wrong_answer(challenge))
    assert anon.session is None
    session = await anon.complete_login(challenge, harness.answer(challenge))
    assert isinstance(session, BrokerSession)


async def test_expired_challenge_is_refused_without_calling_the_broker(
    harness: MiraeHarness, anon: MiraeAdapter
) -> None:
    challenge = await anon.begin_login()
    assert isinstance(challenge, LoginChallenge)
    stale = challenge.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    calls = len(harness.broker.calls)
    with pytest.raises(AuthFailed, match="expired"):
        await anon.complete_login(stale, harness.answer(challenge))
    assert len(harness.broker.calls) == calls


async def test_otp_expired_at_the_broker(harness: MiraeHarness, anon: MiraeAdapter) -> None:
    challenge = await anon.begin_login()
    assert isinstance(challenge, LoginChallenge)
    answer = harness.answer(challenge)
    harness.broker.expire_otps()
    with pytest.raises(AuthFailed, match="expired"):
        await anon.complete_login(challenge, answer)


@pytest.mark.parametrize("answer", ["", "12ab56", "123", "123456789"])
async def test_malformed_answer(anon: MiraeAdapter, answer: str) -> None:
    challenge = await anon.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(InvalidRequest):
        await anon.complete_login(challenge, answer)


async def test_challenge_of_another_account_is_refused(
    harness: MiraeHarness, anon: MiraeAdapter
) -> None:
    other = harness.create_adapter("someone-else")
    challenge = await other.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(InvalidRequest):
        await anon.complete_login(challenge, harness.answer(challenge))
    await other.aclose()


async def test_resend_sends_a_new_otp(harness: MiraeHarness, anon: MiraeAdapter) -> None:
    first = await anon.begin_login()
    assert isinstance(first, LoginChallenge)
    old = harness.answer(first)
    second = await anon.resend_challenge(first)
    assert second.kind is ChallengeKind.OTP
    assert second.challenge_id != first.challenge_id
    new = harness.answer(second)
    assert new != old
    with pytest.raises(AuthFailed):
        await anon.complete_login(second, old)
    assert isinstance(await anon.complete_login(second, new), BrokerSession)


async def test_totp_login_with_a_prompt(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, totp=True)
    adapter = harness.create_adapter()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.TOTP
    assert not challenge.resendable
    with pytest.raises(AuthFailed, match="TOTP"):
        await adapter.complete_login(challenge, harness.wrong_answer(challenge))
    session = await adapter.complete_login(challenge, harness.answer(challenge))
    assert isinstance(session, BrokerSession)
    assert session.extra["login"] == "totp"
    assert ("POST", "/openapi/typea/session/verifytotp") in harness.broker.calls
    assert ("POST", "/openapi/typea/session/token") not in harness.broker.calls
    assert len(await adapter.get_holdings()) == 2
    await adapter.aclose()


async def test_unattended_totp_login(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, totp=True)
    adapter = harness.create_adapter(totp_secret=SecretStr(TOTP_SECRET))
    assert adapter.logs_in_unattended()
    assert not harness.create_adapter().logs_in_unattended()
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    assert adapter.session is session
    assert (await adapter.get_funds()).available > 0
    await adapter.aclose()


async def test_sms_otp_on_a_totp_account_is_refused(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, totp=True)
    adapter = harness.create_adapter(authenticator=False)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed):
        await adapter.complete_login(challenge, "123456")
    await adapter.aclose()


async def test_invalid_totp_secret(tmp_path: Path) -> None:
    harness = MiraeHarness(tmp_path, totp=True)
    adapter = harness.create_adapter(totp_secret=SecretStr("not base32 !!"))
    with pytest.raises(AuthFailed, match="base32"):
        await adapter.begin_login()
    await adapter.aclose()


async def test_bad_api_key(harness: MiraeHarness) -> None:
    adapter = harness.create_adapter(api_key=SecretStr("revoked@@"))
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed, match="suspended"):
        await adapter.complete_login(challenge, harness.answer(challenge))
    await adapter.aclose()


async def test_restored_session_works_alone(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    session = adapter.session
    assert session is not None
    restarted = harness.create_adapter("mirae-test")
    await restarted.start()
    restarted.restore_session(session)
    assert len(await restarted.list_orders()) == 0
    await restarted.aclose()


async def test_expired_token_is_session_expired(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    harness.expire_sessions()
    with pytest.raises(SessionExpired):
        await adapter.get_funds()


async def test_locally_expired_session_makes_no_call(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    session = adapter.session
    assert session is not None
    adapter.restore_session(
        session.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    )
    calls = len(harness.broker.calls)
    with pytest.raises(SessionExpired):
        await adapter.get_positions()
    assert len(harness.broker.calls) == calls


async def test_not_logged_in(anon: MiraeAdapter) -> None:
    with pytest.raises(SessionExpired):
        await anon.get_funds()


async def test_logout_revokes_the_token(harness: MiraeHarness, adapter: MiraeAdapter) -> None:
    session = adapter.session
    assert session is not None
    await adapter.logout()
    assert adapter.session is None
    assert ("GET", "/openapi/typea/logout") in harness.broker.calls
    other = harness.create_adapter("mirae-test")
    other.restore_session(session)
    with pytest.raises(SessionExpired):
        await other.get_funds()
    await other.logout()  # the broker already ended it: still fine
    assert other.session is None
    await other.aclose()


async def test_secrets_stay_out_of_reprs_and_errors(
    harness: MiraeHarness, adapter: MiraeAdapter
) -> None:
    session = adapter.session
    assert session is not None
    token = session.access_token.get_secret_value()
    for text in (repr(adapter), repr(adapter.settings), str(adapter.settings), repr(session)):
        assert PASSWORD not in text
        assert API_KEY not in text
        assert token not in text
    harness.expire_sessions()
    with pytest.raises(SessionExpired) as info:
        await adapter.get_funds()
    assert token not in str(info.value)
    assert API_KEY not in str(info.value)
