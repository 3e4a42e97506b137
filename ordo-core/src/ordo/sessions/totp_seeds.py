"""TOTP seeds of accounts that log in unattended, kept encrypted in the credential store
(so ``ordo keys rotate`` covers them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ordo.persistence.db import Database
from ordo.persistence.sessions import CredentialRepository
from ordo.sessions.crypto import SecretBox

TOTP_CREDENTIAL = "totp_secret"
"""Name of an account's TOTP seed in the credential store."""


class TotpSeedStore:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box

    async def store(self, accounts: Iterable[str], seeds: Mapping[str, str]) -> None:
        """Store each account's configured seed; a seed removed from the configuration is
        removed from the store too."""
        async with self.db.session() as s:
            repository = CredentialRepository(s)
            for name in accounts:
                seed = seeds.get(name)
                if seed is None:
                    await repository.delete(account=name, name=TOTP_CREDENTIAL)
                else:
                    encrypted = self.box.encrypt(seed)
                    await repository.put(
                        account=name, name=TOTP_CREDENTIAL, encrypted_value=encrypted
                    )
