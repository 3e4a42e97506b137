"""``ordo keys generate`` and ``ordo keys rotate``: every stored secret moves to the newest
key, after which the old key can be dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from ordo.cli import build_cli
from ordo.config import AccountConfig, load_settings
from ordo.persistence import CredentialRepository, Database, SessionRepository
from ordo.sessions.crypto import KEY_FILE_NAME, SecretBox, SecretKeyError, decrypt_session
from ordo_testing.server import gateway_in_process
from typer.testing import CliRunner, Result

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "keys-token-3e8a1c"
OTP = "13572468"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DP"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _settings(tmp_path: Path, secret_key: str | None) -> Any:
    extra = {} if secret_key is None else {"secret_key": secret_key}
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={
            "desk": AccountConfig(adapter="mock", settings={"login_otp": OTP}),
            "auto": AccountConfig(adapter="mock", totp_secret=SEED),
        },
        **extra,
    )


async def _log_in(tmp_path: Path, secret_key: str | None) -> str:
    """Run a gateway once: ``auto`` logs in at start, ``desk`` with its OTP. Returns the
    access token of ``desk``."""
    async with gateway_in_process(_settings(tmp_path, secret_key), token=TOKEN) as gw:
        begun = (await gw.client.post("/api/v1/accounts/desk/login")).json()
        challenge = begun["data"]["challenge"]["challenge_id"]
        done = await gw.client.post(
            f"/api/v1/accounts/desk/login/{challenge}", json={"answer": OTP}
        )
        assert done.json()["data"]["state"] == "active", done.json()
        session = gw.runtime.accounts.get("desk").adapter.session
        assert session is not None
        return session.access_token.get_secret_value()


async def _stored(tmp_path: Path) -> tuple[list[str], list[str]]:
    """The encrypted sessions and credentials, as stored."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'ordo.db'}")
    try:
        async with db.session() as s:
            sessions = [r.encrypted_session for r in await SessionRepository(s).all()]
            credentials = [r.encrypted_value for r in await CredentialRepository(s).all()]
    finally:
        await db.dispose()
    return [v for v in sessions if v], credentials


def _rotate(tmp_path: Path, secret_key: str | None) -> Result:
    env = {"ORDO_DATA_DIR": str(tmp_path)}
    if secret_key is not None:
        env["ORDO_SECRET_KEY"] = secret_key
    return CliRunner().invoke(build_cli(), ["keys", "rotate"], env=env)


def test_generate_prints_a_fresh_fernet_key() -> None:
    first = CliRunner().invoke(build_cli(), ["keys", "generate"])
    second = CliRunner().invoke(build_cli(), ["keys", "generate"])
    assert first.exit_code == 0
    assert second.exit_code == 0
    key = first.stdout.strip()
    assert key != second.stdout.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_rotation_lets_the_old_key_go(tmp_path: Path) -> None:
    access = asyncio.run(_log_in(tmp_path, KEY_A))
    sessions, credentials = asyncio.run(_stored(tmp_path))
    assert len(sessions) == 2
    assert len(credentials) == 1
    only_a, only_b = SecretBox([KEY_A]), SecretBox([KEY_B])
    assert only_a.decrypt(credentials[0]) == SEED

    result = _rotate(tmp_path, f"{KEY_B},{KEY_A}")
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 session(s) and 1 credential(s)" in result.stdout
    assert only_b.fingerprint in result.stdout
    assert "remove the older keys" in result.stdout

    sessions, credentials = asyncio.run(_stored(tmp_path))
    # Readable with the new key alone; the old key alone no longer opens anything.
    tokens = {decrypt_session(only_b, v).access_token.get_secret_value() for v in sessions}
    assert access in tokens
    assert only_b.decrypt(credentials[0]) == SEED
    for value in [*sessions, *credentials]:
        with pytest.raises(SecretKeyError):
            only_a.decrypt(value)

    # A gateway started with the new key alone restores both sessions from the store.
    async def restart() -> dict[str, str]:
        async with gateway_in_process(_settings(tmp_path, KEY_B), token=TOKEN) as gw:
            rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
            return {row["name"]: row["session_state"] for row in rows}

    assert asyncio.run(restart()) == {"auto": "active", "desk": "active"}


def test_a_value_no_key_opens_aborts_without_changes(tmp_path: Path) -> None:
    asyncio.run(_log_in(tmp_path, KEY_A))
    before = asyncio.run(_stored(tmp_path))

    result = _rotate(tmp_path, KEY_B)  # KEY_A missing: nothing can be decrypted
    assert result.exit_code == 1
    assert "nothing was changed" in result.stderr
    assert "account 'auto'" in result.stderr  # names the record, never its content
    assert asyncio.run(_stored(tmp_path)) == before
    assert SecretBox([KEY_A]).decrypt(before[1][0]) == SEED


def test_rotation_needs_a_configured_key_and_a_database(tmp_path: Path) -> None:
    unset = _rotate(tmp_path, None)
    assert unset.exit_code == 2
    assert "ORDO_SECRET_KEY is not set" in unset.stderr

    empty = _rotate(tmp_path / "nowhere", KEY_B)
    assert empty.exit_code == 2
    assert "no database" in empty.stderr


def test_rotation_moves_a_quickstart_database_off_the_generated_key_file(tmp_path: Path) -> None:
    asyncio.run(_log_in(tmp_path, None))
    file_key = (tmp_path / KEY_FILE_NAME).read_text().strip()
    assert SecretBox([file_key]).decrypt(asyncio.run(_stored(tmp_path))[1][0]) == SEED

    result = _rotate(tmp_path, KEY_B)
    assert result.exit_code == 0, result.output
    assert KEY_FILE_NAME in result.stdout
    sessions, credentials = asyncio.run(_stored(tmp_path))
    assert SecretBox([KEY_B]).decrypt(credentials[0]) == SEED
    assert all(decrypt_session(SecretBox([KEY_B]), v) for v in sessions)
