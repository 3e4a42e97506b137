"""Encryption at rest of broker credentials and session tokens (Fernet / MultiFernet).

Keys come from ``ORDO_SECRET_KEY``: one or more Fernet keys, comma-separated, newest first.
The newest key encrypts; every listed key decrypts, so a key can be rotated by putting a new
key in front, re-encrypting stored values (``rotate``), then dropping the old key.

When no key is configured, ``SecretBox.from_settings`` generates one once into
``<data_dir>/secret.key`` (mode 0600) and warns: the quickstart then works out of the box,
but the key sits next to the data it protects, so production deployments set
``ORDO_SECRET_KEY`` from a secret store instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from loguru import logger

from ordo.domain import BrokerSession

if TYPE_CHECKING:
    from ordo.config import Settings

KEY_FILE_NAME = "secret.key"


class SecretKeyError(Exception):
    """A key is malformed, missing, or cannot decrypt a stored value. Never carries key
    material or plaintext."""


class SecretBox:
    """Encrypts and decrypts short strings with the configured Fernet keys."""

    def __init__(self, keys: Sequence[str] | str) -> None:
        if isinstance(keys, str):
            keys = [k for k in (p.strip() for p in keys.split(",")) if k]
        if not keys:
            raise SecretKeyError("no encryption key given (set ORDO_SECRET_KEY)")
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise SecretKeyError(
                    f"secret key #{position} is not a valid Fernet key "
                    "(expected 32 url-safe base64-encoded bytes, see `ordo keys generate`)"
                ) from None
        self._multi = MultiFernet(fernets)
        self._fingerprint = hashlib.sha256(keys[0].strip().encode("ascii")).hexdigest()[:12]
        self.key_count = len(fernets)

    @staticmethod
    def generate_key() -> str:
        """A new random Fernet key (url-safe base64 text)."""
        return Fernet.generate_key().decode("ascii")

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id of the newest key, to tell keys apart in status output."""
        return self._fingerprint

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the newest key; the result is a Fernet token (ASCII text)."""
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever configured key fits."""
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise SecretKeyError(
                "cannot decrypt a stored secret: none of the configured keys fits. The key "
                "that encrypted it may have been rotated away (removed from ORDO_SECRET_KEY), "
                "or the stored value is corrupt"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the newest key (decrypting with any configured key)."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise SecretKeyError(
                "cannot re-encrypt a stored secret: none of the configured keys fits "
                "(the key may have been rotated away)"
            ) from None

    def __repr__(self) -> str:
        return f"<SecretBox keys={self.key_count} newest={self._fingerprint}>"

    @classmethod
    def from_settings(cls, settings: Settings, data_dir: Path | None = None) -> SecretBox:
        """The box for ``settings.secret_key``; without one, the key in
        ``<data_dir>/secret.key``, generated (0600) and warned about on first use."""
        keys = settings.secret_keys()
        if keys:
            return cls(keys)
        directory = (data_dir if data_dir is not None else settings.data_dir).expanduser()
        return cls([load_or_create_key_file(directory / KEY_FILE_NAME)])


def load_or_create_key_file(path: Path) -> str:
    """The key stored at ``path``, creating it (owner read/write only) when absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SecretBox.generate_key()
    try:
        # O_EXCL: two processes starting together must not both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    logger.warning(
        "ORDO_SECRET_KEY is not set: generated an encryption key in {} (mode 0600). "
        "Set ORDO_SECRET_KEY for production; keep this file if you keep the database.",
        path,
    )
    return key


def _read_key_file(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("key file {} is accessible to other users; chmod 600 it", path)
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise SecretKeyError(f"key file {path} is empty")
    return key


def encrypt_session(box: SecretBox, session: BrokerSession) -> str:
    """A ``BrokerSession`` (tokens included) as one encrypted string for the session table."""
    data = session.model_dump(mode="json")
    data["access_token"] = session.access_token.get_secret_value()
    if session.refresh_token is not None:
        data["refresh_token"] = session.refresh_token.get_secret_value()
    return box.encrypt(json.dumps(data, separators=(",", ":")))


def decrypt_session(box: SecretBox, token: str) -> BrokerSession:
    """The ``BrokerSession`` that ``encrypt_session`` stored."""
    return BrokerSession.model_validate_json(box.decrypt(token))
