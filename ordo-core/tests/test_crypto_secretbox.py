"""SecretBox: encryption at rest, key rotation, the generated key file."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from loguru import logger
from ordo.config import Settings
from ordo.domain import BrokerSession
from ordo.sessions.crypto import (
    KEY_FILE_NAME,
    SecretBox,
    SecretKeyError,
    decrypt_session,
    encrypt_session,
)

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="WARNING", format="{message}")
    yield messages
    logger.remove(sink)


def test_round_trip_hides_the_plaintext() -> None:
    box = SecretBox([NEW])
    token = box.encrypt("access-token-ü-123")
    assert "access-token" not in token
    assert token != box.encrypt("access-token-ü-123")  # fresh IV each time
    assert box.decrypt(token) == "access-token-ü-123"


def test_rotation_keeps_old_values_readable_then_moves_them() -> None:
    old_token = SecretBox([OLD]).encrypt("session")
    both = SecretBox(f"{NEW}, {OLD}")
    assert both.key_count == 2
    assert both.decrypt(old_token) == "session"
    rotated = both.rotate(old_token)
    only_new = SecretBox([NEW])
    assert only_new.decrypt(rotated) == "session"
    with pytest.raises(SecretKeyError, match="rotated away") as caught:
        only_new.decrypt(old_token)
    assert NEW not in str(caught.value)
    with pytest.raises(SecretKeyError, match="rotated away"):
        only_new.rotate(old_token)


def test_garbage_token_is_a_clear_error() -> None:
    with pytest.raises(SecretKeyError, match="none of the configured keys fits"):
        SecretBox([NEW]).decrypt("not-a-token-é")


def test_bad_keys_are_refused_without_echoing_them() -> None:
    with pytest.raises(SecretKeyError, match="#2 is not a valid Fernet key") as caught:
        SecretBox([NEW, "short-secret-ish"])
    assert "short-secret-ish" not in str(caught.value)
    with pytest.raises(SecretKeyError, match="no encryption key"):
        SecretBox([])
    with pytest.raises(SecretKeyError, match="no encryption key"):
        SecretBox(" , ")


def test_repr_shows_no_key_material() -> None:
    box = SecretBox([NEW, OLD])
    assert NEW not in repr(box)
    assert "keys=2" in repr(box)
    assert box.fingerprint == SecretBox([NEW]).fingerprint != SecretBox([OLD]).fingerprint


def test_generate_key_makes_usable_distinct_keys() -> None:
    first, second = SecretBox.generate_key(), SecretBox.generate_key()
    assert first != second
    assert SecretBox([first]).decrypt(SecretBox([first]).encrypt("x")) == "x"


def test_from_settings_prefers_configured_keys(tmp_path: Path) -> None:
    settings = Settings(secret_key=f"{NEW},{OLD}", data_dir=tmp_path)
    box = SecretBox.from_settings(settings)
    assert box.key_count == 2
    assert SecretBox([NEW]).decrypt(box.encrypt("v")) == "v"
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_from_settings_generates_a_private_key_file_once(
    tmp_path: Path, warnings: list[str]
) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    first = SecretBox.from_settings(settings)
    key_file = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(warnings) == 1
    assert "ORDO_SECRET_KEY is not set" in warnings[0]
    key = key_file.read_text().strip()
    assert key not in warnings[0]
    token = first.encrypt("kept across restarts")
    second = SecretBox.from_settings(settings)
    assert second.decrypt(token) == "kept across restarts"
    assert len(warnings) == 1
    assert key_file.read_text().strip() == key


def test_from_settings_uses_the_data_dir_argument(tmp_path: Path) -> None:
    SecretBox.from_settings(Settings(data_dir=tmp_path / "ignored"), tmp_path / "chosen")
    assert (tmp_path / "chosen" / KEY_FILE_NAME).exists()
    assert not (tmp_path / "ignored").exists()


def test_loose_key_file_permissions_are_warned_about(tmp_path: Path, warnings: list[str]) -> None:
    key_file = tmp_path / KEY_FILE_NAME
    key_file.write_text(NEW + "\n")
    key_file.chmod(0o644)
    box = SecretBox.from_settings(Settings(data_dir=tmp_path))
    assert box.fingerprint == SecretBox([NEW]).fingerprint
    assert any("chmod 600" in w for w in warnings)


def test_empty_key_file_is_an_error(tmp_path: Path) -> None:
    key_file = tmp_path / KEY_FILE_NAME
    key_file.write_text("\n")
    key_file.chmod(0o600)
    with pytest.raises(SecretKeyError, match="is empty"):
        SecretBox.from_settings(Settings(data_dir=tmp_path))


def test_sessions_round_trip_with_their_tokens() -> None:
    box = SecretBox([NEW])
    session = BrokerSession(
        access_token="eyJ-access",
        refresh_token="refresh-1",
        user_id="XY1234",
        logged_in_at=datetime(2025, 1, 30, 3, 15, tzinfo=UTC),
        expires_at=datetime(2025, 1, 30, 18, 30, tzinfo=UTC),
        extra={"segment": "NSE"},
    )
    token = encrypt_session(box, session)
    assert "eyJ-access" not in token
    restored = decrypt_session(box, token)
    assert restored.access_token.get_secret_value() == "eyJ-access"
    assert restored.refresh_token is not None
    assert restored.refresh_token.get_secret_value() == "refresh-1"
    assert (restored.user_id, restored.expires_at, restored.extra) == (
        "XY1234",
        session.expires_at,
        {"segment": "NSE"},
    )
    no_refresh = decrypt_session(box, encrypt_session(box, BrokerSession(access_token="a")))
    assert no_refresh.refresh_token is None
