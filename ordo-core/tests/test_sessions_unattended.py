"""Unattended login: an account with a TOTP seed answers its broker's TOTP challenge itself
(pyotp), at start, on the daily schedule and after the broker ends the session; the seed
is stored encrypted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pyotp
import pytest
from ordo import hookimpl
from ordo.adapters.base import AdapterSettings
from ordo.adapters.errors import AuthFailed
from ordo.audit.events import AuditEvent
from ordo.config import AccountConfig, Settings, load_settings
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo.persistence import CredentialRepository
from ordo.plugins import create_plugins
from ordo.runtime import TOTP_CREDENTIAL
from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.settings import MockSettings
from ordo_testing.server import InProcessGateway, gateway_in_process
from pydantic import SecretStr

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "sessions-totp-token-0b9d"
SEED = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"  # the broker's copy of the user's authenticator seed


class TotpSettings(MockSettings):
    totp_seed: SecretStr
    """What the broker checks codes against."""


class TotpAdapter(MockAdapter):
    """The paper broker behind a TOTP login: every login needs the current code."""

    id: ClassVar[str] = "totppaper"
    Settings: ClassVar[type[AdapterSettings]] = TotpSettings

    def logs_in_unattended(self) -> bool:
        return False  # a person (or Ordo with the seed) must supply the code

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return LoginChallenge(
            kind=ChallengeKind.TOTP,
            prompt="Enter the code from your authenticator app",
            expires_at=datetime.now(UTC) + timedelta(minutes=2),
        )

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        assert isinstance(self.settings, TotpSettings)
        if not pyotp.TOTP(self.settings.totp_seed.get_secret_value()).verify(
            answer, valid_window=1
        ):
            raise AuthFailed("wrong TOTP")
        # The paper broker itself asks for nothing more once the code is right.
        return await super().begin_login()


class Plugin:
    __name__ = "totp_plugin"

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(TotpAdapter)

    @hookimpl
    def audit_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def kinds(self, account: str) -> list[str]:
        return [e.kind for e in self.events if e.account == account]


def _settings(tmp_path: Path, configured_seed: str | None) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "algo": AccountConfig(
                adapter="totppaper",
                settings={"totp_seed": SEED},
                totp_secret=configured_seed,
            ),
            "manual": AccountConfig(adapter="totppaper", settings={"totp_seed": SEED}),
        },
    )


@pytest.fixture
def plugin() -> Plugin:
    return Plugin()


@pytest.fixture
async def gw(tmp_path: Path, plugin: Plugin) -> AsyncIterator[InProcessGateway]:
    plugins = create_plugins(allow="mock", extra_plugins=[plugin])
    async with gateway_in_process(_settings(tmp_path, SEED), token=TOKEN, plugins=plugins) as g:
        yield g


def paper(gw: InProcessGateway, account: str) -> MockAdapter:
    adapter = gw.runtime.accounts.get(account).adapter
    assert isinstance(adapter, MockAdapter)
    return adapter


async def stored_credentials(gw: InProcessGateway) -> int:
    async with gw.runtime.db.session() as s:
        return len(await CredentialRepository(s).all())


async def states(gw: InProcessGateway) -> dict[str, str]:
    rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
    return {r["name"]: r["session_state"] for r in rows}


async def test_start_logs_the_totp_account_in_by_itself(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    assert await states(gw) == {"algo": "active", "manual": "none"}
    steps = [e.payload.get("step") for e in plugin.events if e.kind == "login.step"]
    assert steps == ["begin", "totp_auto"]
    funds = await gw.client.get("/api/v1/funds", params={"accounts": "algo"})
    assert funds.json()["status"] == "success"

    # The account without a seed gets the challenge, for a person to answer.
    begun = (await gw.client.post("/api/v1/accounts/manual/login")).json()
    challenge = begun["data"]["challenge"]
    assert challenge["kind"] == "totp"
    code = pyotp.TOTP(SEED).now()
    done = await gw.client.post(
        f"/api/v1/accounts/manual/login/{challenge['challenge_id']}", json={"answer": code}
    )
    assert done.json()["data"]["state"] == "active"


async def test_the_seed_is_stored_encrypted(gw: InProcessGateway) -> None:
    async with gw.runtime.db.session() as s:
        stored = await CredentialRepository(s).get(account="algo", name=TOTP_CREDENTIAL)
        others = await CredentialRepository(s).all("manual")
    assert stored is not None
    assert SEED not in stored
    assert gw.runtime.box.decrypt(stored) == SEED
    assert others == []


async def test_daily_schedule_and_broker_expiry_log_in_again(
    gw: InProcessGateway, plugin: Plugin
) -> None:
    await gw.client.delete("/api/v1/accounts/algo/session")
    assert (await states(gw))["algo"] == "none"
    await gw.runtime.sessions.login_unattended()  # what the daily schedule runs
    assert (await states(gw))["algo"] == "active"

    # The broker ends the session: the failing request reports it, the account is
    # logged in again at once, and the next request works.
    paper(gw, "algo").broker.expire_sessions()
    failed = await gw.client.get("/api/v1/funds", params={"accounts": "algo"})
    assert failed.json()["results"][0]["error_code"] == "SESSION_EXPIRED"
    assert (await states(gw))["algo"] == "active"
    again = await gw.client.get("/api/v1/funds", params={"accounts": "algo"})
    assert again.json()["status"] == "success"
    kinds = plugin.kinds("algo")
    assert kinds.index("session.expired") < len(kinds) - 1 - kinds[::-1].index("session.active")


async def test_a_wrong_seed_fails_quietly_and_is_audited(tmp_path: Path, plugin: Plugin) -> None:
    plugins = create_plugins(allow="mock", extra_plugins=[plugin])
    wrong = pyotp.random_base32()
    settings = _settings(tmp_path, wrong)
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        assert (await states(gw))["algo"] == "none"
        [failed] = [e for e in plugin.events if e.kind == "login.failed"]
        assert failed.account == "algo"
        assert failed.payload["reason"] == "AUTH_FAILED"

    # The seed leaves the store once the configuration no longer has it.
    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    async with gateway_in_process(_settings(tmp_path, None), plugins=plugins) as gw:
        assert await stored_credentials(gw) == 0


class BrokenTotpAdapter(TotpAdapter):
    """An adapter with a bug in its login."""

    id: ClassVar[str] = "brokentotp"

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        raise RuntimeError("adapter bug")


class BrokenPlugin(Plugin):
    __name__ = "broken_totp_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(BrokenTotpAdapter)


async def test_an_adapter_bug_in_unattended_login_does_not_stop_the_server(
    tmp_path: Path,
) -> None:
    plugin = BrokenPlugin()
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "algo": AccountConfig(
                adapter="brokentotp", settings={"totp_seed": SEED}, totp_secret=SEED
            )
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[plugin])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        assert await states(gw) == {"algo": "none"}
        [failed] = [e for e in plugin.events if e.kind == "login.failed"]
        assert failed.payload["reason"] == "INTERNAL_ERROR"
        health = await gw.client.get("/health")
        assert health.status_code == 200


class SeedInSettings(TotpSettings):
    login_seed: SecretStr | None = None
    """The user's seed in the adapter's own settings (as Fyers' and m.Stock's are)."""


class SeedInSettingsAdapter(TotpAdapter):
    """An adapter that answers the broker's TOTP step itself from its settings."""

    id: ClassVar[str] = "settingsseed"
    Settings: ClassVar[type[AdapterSettings]] = SeedInSettings
    sessions_survive_restart: ClassVar[bool] = True

    def logs_in_unattended(self) -> bool:
        assert isinstance(self.settings, SeedInSettings)
        return self.settings.login_seed is not None

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        assert isinstance(self.settings, SeedInSettings)
        challenge = await super().begin_login()
        if self.settings.login_seed is None:
            return challenge
        assert isinstance(challenge, LoginChallenge)
        code = pyotp.TOTP(self.settings.login_seed.get_secret_value()).now()
        return await self.complete_login(challenge, code)


class SeedInSettingsPlugin(Plugin):
    __name__ = "settings_seed_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(SeedInSettingsAdapter)
        register(TotpAdapter)


async def test_a_seed_in_the_adapter_settings_logs_in_unattended_too(tmp_path: Path) -> None:
    plugin = SeedInSettingsPlugin()
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "inner": AccountConfig(
                adapter="settingsseed", settings={"totp_seed": SEED, "login_seed": SEED}
            ),
            "outer": AccountConfig(
                adapter="totppaper", settings={"totp_seed": SEED}, totp_secret=SEED
            ),
            "manual": AccountConfig(adapter="settingsseed", settings={"totp_seed": SEED}),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[plugin])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
        assert {r["name"]: r["unattended_login"] for r in rows} == {
            "inner": True,
            "outer": True,
            "manual": False,
        }
        # At start: both levels of the config log in by themselves, the other does not.
        assert await states(gw) == {"inner": "active", "outer": "active", "manual": "none"}

        # After a broker 401 the account logs in again at once.
        paper(gw, "inner").broker.expire_sessions()
        failed = await gw.client.get("/api/v1/funds", params={"accounts": "inner"})
        assert failed.json()["results"][0]["error_code"] == "SESSION_EXPIRED"
        assert (await states(gw))["inner"] == "active"

        # The daily schedule logs in every account that can, whichever level holds the seed.
        await gw.client.delete("/api/v1/accounts/inner/session")
        await gw.client.delete("/api/v1/accounts/outer/session")
        await gw.runtime.sessions.login_unattended()
        assert await states(gw) == {"inner": "active", "outer": "active", "manual": "none"}
        assert [e.kind for e in plugin.events if e.kind == "login.failed"] == []
