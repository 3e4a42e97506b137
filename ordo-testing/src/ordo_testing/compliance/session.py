"""Session area: login challenges, wrong answers, logout, expiry, refresh, secrecy."""

from __future__ import annotations

import pytest
from ordo.adapters.base import BrokerAdapter
from ordo.adapters.capabilities import Capability
from ordo.adapters.errors import AuthFailed, SessionExpired
from ordo.domain import BrokerSession, Funds, LoginChallenge

from ordo_testing.compliance.checks import assert_domain, require, secret_values, verifies
from ordo_testing.harness import AdapterHarness


@pytest.mark.asyncio
class SessionSuite:
    """Logging in and out, and what an ended session does."""

    @verifies("session")
    async def test_login_yields_an_active_session(
        self, harness: AdapterHarness, anon_adapter: BrokerAdapter
    ) -> None:
        first = await anon_adapter.begin_login()
        assert isinstance(first, LoginChallenge | BrokerSession), (
            f"begin_login returned {type(first).__qualname__}, expected a challenge or session"
        )
        if isinstance(first, LoginChallenge):
            assert first.prompt.strip(), "a challenge needs a prompt the user can act on"
            assert not first.is_expired(), "a fresh challenge is already expired"
        session = await harness.login(anon_adapter)
        assert_domain(session, BrokerSession)
        assert session.access_token.get_secret_value(), "the session has an empty access token"
        assert not session.is_expired(), "a fresh session is already expired"
        funds = await anon_adapter.get_funds()
        assert_domain(funds, Funds)

    @verifies("session")
    async def test_calls_before_login_raise_session_expired(
        self, anon_adapter: BrokerAdapter
    ) -> None:
        with pytest.raises(SessionExpired):
            await anon_adapter.get_funds()
        with pytest.raises(SessionExpired):
            await anon_adapter.list_orders()

    @verifies("session")
    async def test_wrong_answer_never_yields_a_session(
        self, harness: AdapterHarness, anon_adapter: BrokerAdapter
    ) -> None:
        step = await anon_adapter.begin_login()
        if isinstance(step, BrokerSession):
            pytest.skip("this adapter logs in without a challenge")
        wrong = harness.wrong_answer(step)
        refusal: AuthFailed | None = None
        try:
            result = await anon_adapter.complete_login(step, wrong)
        except AuthFailed as exc:
            refusal = exc
        if refusal is not None:
            assert wrong not in str(refusal), "the refused answer appears in the error message"
        else:
            assert isinstance(result, LoginChallenge), (
                f"a wrong answer gave {type(result).__qualname__}: it must raise AuthFailed "
                "or return a new challenge, never a session"
            )
            assert wrong not in repr(result), "the refused answer appears in the new challenge"
        assert anon_adapter.session is None, "a wrong answer left a session on the adapter"

    @verifies("session")
    async def test_session_secrets_never_print(
        self, harness: AdapterHarness, anon_adapter: BrokerAdapter
    ) -> None:
        session = await harness.login(anon_adapter)
        shown = " ".join(
            [repr(session), str(session), repr(anon_adapter), str(session.model_dump())]
        )
        leaked = [s for s in secret_values(session) if s in shown]
        assert not leaked, "a session token shows in repr/str/model_dump: keep it SecretStr"

    @verifies("session")
    async def test_expired_token_raises_session_expired(
        self, harness: AdapterHarness, adapter: BrokerAdapter
    ) -> None:
        assert adapter.session is not None
        secrets = secret_values(adapter.session)
        harness.expire_sessions()
        with pytest.raises(SessionExpired) as info:
            await adapter.get_funds()
        leaked = [s for s in secrets if s in str(info.value)]
        assert not leaked, "the expired token appears in the SessionExpired message"

    @verifies("session")
    async def test_logout_ends_the_session(self, adapter: BrokerAdapter) -> None:
        await adapter.logout()
        assert adapter.session is None, "logout must drop the adapter's session"
        with pytest.raises(SessionExpired):
            await adapter.get_funds()

    @verifies(Capability.SESSION_REFRESH)
    async def test_refresh_gives_a_working_session(self, adapter: BrokerAdapter) -> None:
        require(adapter, Capability.SESSION_REFRESH)
        assert adapter.session is not None
        renewed = await adapter.refresh(adapter.session)
        assert_domain(renewed, BrokerSession)
        assert not renewed.is_expired(), "refresh returned an expired session"
        adapter.restore_session(renewed)
        assert_domain(await adapter.get_funds(), Funds)
