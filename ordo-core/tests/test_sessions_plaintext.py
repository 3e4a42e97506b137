"""NFR9 and the token store, by search: after a password -> OTP login (with wrong answers),
an unattended TOTP account, trading and a refresh, no OTP, password, TOTP seed, broker token
or API token appears in any file under the data directory (raw bytes: the SQLite database,
its WAL and shared-memory files, the audit trail) nor in anything loguru emitted."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cryptography.fernet import Fernet
from loguru import logger
from ordo import hookimpl
from ordo.adapters.base import AdapterSettings
from ordo.adapters.errors import AuthFailed
from ordo.config import AccountConfig, load_settings
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo.plugins import create_plugins
from ordo_adapter_mock.adapter import MockAdapter
from ordo_adapter_mock.settings import MockSettings
from ordo_testing.server import InProcessGateway, gateway_in_process
from pydantic import SecretStr

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

API_TOKEN = "api-tok-Zq81Lw5Xv3Rk"
PASSWORD = "pw-Hunter2-Qx7Lm"
WRONG_PASSWORD = "pw-Wrong-Zt4Nc8"
OTP = "24681097"
WRONG_OTP = "86420135"
SEED = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
BUY = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1}


class PasswordOtpSettings(MockSettings):
    password: SecretStr


class PasswordOtpAdapter(MockAdapter):
    """A two-step broker login: the password, then the OTP the paper broker sends."""

    id: ClassVar[str] = "pwpaper"
    Settings: ClassVar[type[AdapterSettings]] = PasswordOtpSettings

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        return LoginChallenge(
            kind=ChallengeKind.PASSWORD,
            prompt="Broker password",
            expires_at=datetime.now(UTC) + timedelta(minutes=5),
        )

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        if challenge.kind is ChallengeKind.PASSWORD:
            assert isinstance(self.settings, PasswordOtpSettings)
            expected = self.settings.password.get_secret_value()
            if not hmac.compare_digest(answer.encode(), expected.encode()):
                raise AuthFailed("wrong password")
            return await super().begin_login()  # the paper broker's OTP challenge
        return await super().complete_login(challenge, answer)


class Plugin:
    __name__ = "password_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(PasswordOtpAdapter)


@pytest.fixture
def raw_logs() -> Iterator[list[str]]:
    """Everything loguru emits, unredacted, with its extra fields and tracebacks."""
    lines: list[str] = []
    sink = logger.add(
        lines.append,
        level="TRACE",
        format="{time} {level} {name}:{function} {message} {extra} {exception}",
        backtrace=True,
        diagnose=False,
    )
    yield lines
    logger.remove(sink)


def file_names(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()}


def files_containing(root: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """For each secret found in the raw bytes of any file under ``root``, those files."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for name, secret in secrets.items():
            if secret.encode() in data:
                found.setdefault(name, []).append(str(path.relative_to(root)))
    return found


async def answer(gw: InProcessGateway, challenge: dict[str, Any], text: str) -> Any:
    url = f"/api/v1/accounts/desk/login/{challenge['challenge_id']}"
    return (await gw.client.post(url, json={"answer": text})).json()


async def test_no_secret_in_any_file_or_log(tmp_path: Path, raw_logs: list[str]) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        secret_key=Fernet.generate_key().decode(),
        api_tokens=[{"name": "desk-token", "token": API_TOKEN}],
        log_level="DEBUG",
        accounts={
            "desk": AccountConfig(
                adapter="pwpaper",
                settings={"login_otp": OTP, "password": PASSWORD, "session_ttl_seconds": 120},
            ),
            "algo": AccountConfig(adapter="mock", totp_secret=SEED),
        },
    )
    plugins = create_plugins(allow="mock", extra_plugins=[Plugin()])
    secrets = {"api token": API_TOKEN, "password": PASSWORD, "wrong password": WRONG_PASSWORD}
    secrets |= {"otp": OTP, "wrong otp": WRONG_OTP, "totp seed": SEED}
    async with gateway_in_process(settings, token=API_TOKEN, plugins=plugins) as gw:
        runtime = gw.runtime
        begun = (await gw.client.post("/api/v1/accounts/desk/login")).json()
        password_step = begun["data"]["challenge"]
        assert password_step["kind"] == "password"
        refused = await answer(gw, password_step, WRONG_PASSWORD)
        assert refused["error_code"] == "WRONG_ANSWER"
        otp_step = (await answer(gw, password_step, PASSWORD))["data"]["challenge"]
        assert otp_step["kind"] == "otp"
        assert (await answer(gw, otp_step, WRONG_OTP))["error_code"] == "WRONG_ANSWER"
        assert (await answer(gw, otp_step, OTP))["data"]["state"] == "active"

        desk = runtime.accounts.get("desk").adapter
        algo = runtime.accounts.get("algo").adapter
        for label, adapter in (("desk", desk), ("algo", algo)):
            session = adapter.session
            assert session is not None
            assert session.refresh_token is not None
            secrets[f"{label} access token"] = session.access_token.get_secret_value()
            secrets[f"{label} refresh token"] = session.refresh_token.get_secret_value()

        placed = await gw.client.post("/api/v1/orders", json={**BUY, "accounts": ["desk"]})
        assert placed.json()["status"] == "success", placed.json()
        await gw.client.get("/api/v1/funds", params={"accounts": "desk,algo"})
        await runtime.sessions.sweep()  # desk is close to expiry: refreshed
        refreshed = desk.session
        assert refreshed is not None
        secrets["refreshed access token"] = refreshed.access_token.get_secret_value()
        assert secrets["refreshed access token"] != secrets["desk access token"]
        await gw.client.get("/api/v1/positions", params={"accounts": "desk"})
        await runtime.observability.db_sink.flush()

        # While running: the database, its WAL and shared-memory files, the audit file.
        assert {"ordo.db", "ordo.db-wal", "audit.jsonl"} <= file_names(tmp_path)
        assert files_containing(tmp_path, secrets) == {}

    # After shutdown (the WAL checkpointed into the database file) and in every log line.
    assert files_containing(tmp_path, secrets) == {}
    database = (tmp_path / "ordo.db").read_bytes()
    assert b"gAAAAA" in database  # encrypted sessions and the seed are there, as Fernet tokens
    assert b"login.step" in (tmp_path / "audit" / "audit.jsonl").read_bytes()
    log_text = "\n".join(raw_logs)
    assert "account desk ready" in log_text
    leaked = [name for name, secret in secrets.items() if secret in log_text]
    assert leaked == []
