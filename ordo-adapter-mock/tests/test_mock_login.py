"""OTP login, sessions, refresh and logout of the paper broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ordo.adapters.base import AdapterContext
from ordo.adapters.clock import next_midnight_ist
from ordo.adapters.errors import AuthFailed, SessionExpired
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo_adapter_mock import MockAdapter, MockSettings, PaperBroker
from pydantic import SecretStr

OTP = "482915"


def otp_adapter(tmp_path: Path, **options: object) -> MockAdapter:
    settings = MockSettings.model_validate({"login_otp": SecretStr(OTP), **options})
    return MockAdapter(settings, AdapterContext(account="otp", data_dir=tmp_path))


async def test_without_otp_login_returns_a_session(adapter: MockAdapter) -> None:
    assert adapter.logs_in_unattended()
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    assert adapter.session is session
    assert session.user_id == "PAPER1"
    assert session.expires_at == next_midnight_ist(session.logged_in_at)
    funds = await adapter.get_funds()
    assert funds.available == adapter.settings.starting_cash


async def test_right_otp_logs_in(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    assert not adapter.logs_in_unattended()
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.kind is ChallengeKind.OTP
    assert challenge.resendable
    session = await adapter.complete_login(challenge, OTP)
    assert isinstance(session, BrokerSession)
    await adapter.get_positions()  # the session works


async def test_wrong_otp_fails_without_echoing_it(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    with pytest.raises(AuthFailed) as caught:
        await adapter.complete_login(challenge, "111111")
    assert OTP not in str(caught.value)
    assert "111111" not in str(caught.value)
    assert adapter.session is None
    # a second try with the right OTP still works
    assert isinstance(await adapter.complete_login(challenge, OTP), BrokerSession)


async def test_three_wrong_answers_void_the_challenge(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    for _ in range(3):
        with pytest.raises(AuthFailed):
            await adapter.complete_login(challenge, "000000")
    with pytest.raises(AuthFailed, match="unknown or already used"):
        await adapter.complete_login(challenge, OTP)


async def test_expired_challenge_is_refused(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path, challenge_ttl_seconds=0)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    assert challenge.is_expired()
    with pytest.raises(AuthFailed, match="expired"):
        await adapter.complete_login(challenge, OTP)


async def test_resend_replaces_the_challenge(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    first = await adapter.begin_login()
    assert isinstance(first, LoginChallenge)
    second = await adapter.resend_challenge(first)
    assert second.challenge_id != first.challenge_id
    with pytest.raises(AuthFailed):
        await adapter.complete_login(first, OTP)
    assert isinstance(await adapter.complete_login(second, OTP), BrokerSession)


async def test_a_used_challenge_cannot_log_in_twice(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    await adapter.complete_login(challenge, OTP)
    with pytest.raises(AuthFailed):
        await adapter.complete_login(challenge, OTP)


async def test_calls_without_a_session_raise_session_expired(adapter: MockAdapter) -> None:
    with pytest.raises(SessionExpired):
        await adapter.get_funds()
    [record] = adapter.broker.calls.records
    assert (record.operation, record.reached, record.outcome) == (
        "get_funds",
        False,
        "SESSION_EXPIRED",
    )


async def test_broker_side_expiry_ends_sessions(adapter: MockAdapter) -> None:
    await adapter.begin_login()
    adapter.broker.expire_sessions()
    with pytest.raises(SessionExpired):
        await adapter.list_orders()
    assert adapter.broker.auth.active_sessions == 0


async def test_session_ttl_is_enforced_by_the_broker(tmp_path: Path) -> None:
    now = [datetime.now(UTC)]
    settings = MockSettings(session_ttl_seconds=60)
    broker = PaperBroker.from_settings(settings, clock=lambda: now[0])
    adapter = MockAdapter(settings, AdapterContext("ttl", tmp_path), broker=broker)
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    assert session.expires_at == now[0] + timedelta(seconds=60)
    await adapter.get_funds()
    now[0] += timedelta(seconds=61)
    with pytest.raises(SessionExpired):
        await adapter.get_funds()


async def test_refresh_extends_and_replaces_the_token(tmp_path: Path) -> None:
    now = [datetime.now(UTC)]
    settings = MockSettings(session_ttl_seconds=60)
    broker = PaperBroker.from_settings(settings, clock=lambda: now[0])
    adapter = MockAdapter(settings, AdapterContext("ttl", tmp_path), broker=broker)
    old = await adapter.begin_login()
    assert isinstance(old, BrokerSession)
    now[0] += timedelta(seconds=30)
    fresh = await adapter.refresh(old)
    assert adapter.session is fresh
    assert fresh.expires_at == now[0] + timedelta(seconds=60)
    assert fresh.access_token.get_secret_value() != old.access_token.get_secret_value()
    await adapter.get_funds()
    adapter.restore_session(old)
    with pytest.raises(SessionExpired):
        await adapter.get_funds()


async def test_refresh_fails_after_sessions_end(adapter: MockAdapter) -> None:
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    adapter.broker.expire_sessions()
    with pytest.raises(SessionExpired):
        await adapter.refresh(session)


async def test_logout_revokes_the_token(adapter: MockAdapter) -> None:
    session = await adapter.begin_login()
    assert isinstance(session, BrokerSession)
    await adapter.logout()
    assert adapter.session is None
    adapter.restore_session(session)
    with pytest.raises(SessionExpired):
        await adapter.get_funds()
    with pytest.raises(SessionExpired):
        await adapter.refresh(session)


async def test_secrets_never_print(tmp_path: Path) -> None:
    adapter = otp_adapter(tmp_path)
    challenge = await adapter.begin_login()
    assert isinstance(challenge, LoginChallenge)
    session = await adapter.complete_login(challenge, OTP)
    assert isinstance(session, BrokerSession)
    token = session.access_token.get_secret_value()
    shown = " ".join(
        [
            repr(adapter.settings),
            str(adapter.settings.model_dump()),
            repr(session),
            repr(adapter.broker.auth),
            repr(adapter),
        ]
    )
    assert OTP not in shown
    assert token not in shown
