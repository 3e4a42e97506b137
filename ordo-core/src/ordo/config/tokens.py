"""API bearer tokens as a table of (name, SHA-256) and the constant-time lookup."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ordo.config.settings import Settings
from ordo.domain.algo import AlgoTag

DEFAULT_TOKEN_NAME = "default"


@dataclass(frozen=True)
class ApiToken:
    """A named token, kept only as the hex SHA-256 of its value."""

    name: str
    sha256_hex: str
    algo: AlgoTag | None = None
    """The algo the token trades for (``algo_name``/``algo_id`` in the config)."""

    def __repr__(self) -> str:
        return f"ApiToken(name={self.name!r})"


def hash_token(token: str) -> str:
    """Hex SHA-256 of ``token``, the form a config file may hold instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_table(settings: Settings) -> list[ApiToken]:
    """Every configured token; plaintext ones are hashed here and not kept."""
    table: list[ApiToken] = []
    if settings.api_token is not None and settings.api_token.get_secret_value():
        table.append(
            ApiToken(DEFAULT_TOKEN_NAME, hash_token(settings.api_token.get_secret_value()))
        )
    for entry in settings.api_tokens:
        if entry.token is not None:
            digest = hash_token(entry.token.get_secret_value())
        else:
            assert entry.sha256 is not None  # the model requires exactly one form
            digest = entry.sha256
        table.append(ApiToken(entry.name, digest, entry.algo()))
    return table


def token_algo(table: list[ApiToken], name: str) -> AlgoTag | None:
    """The algo metadata of the token named ``name`` (``None``: none, or no such token)."""
    for entry in table:
        if entry.name == name:
            return entry.algo
    return None


def match_token(table: list[ApiToken], presented: str) -> str | None:
    """The name of the token ``presented`` matches, or ``None``.

    Every entry is compared with ``hmac.compare_digest`` over SHA-256 digests and the loop
    never exits early, so timing reveals neither which entry matched nor how much of it.
    """
    digest = hashlib.sha256(presented.encode("utf-8")).digest()
    found: str | None = None
    for entry in table:
        if hmac.compare_digest(digest, bytes.fromhex(entry.sha256_hex)) and found is None:
            found = entry.name
    return found
