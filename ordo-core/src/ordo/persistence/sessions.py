"""Small pieces of durable state: broker sessions and broker credentials (the kill switch's
row is ``persistence.kill_switch``).
Sessions and credentials arrive here already encrypted (``ordo.sessions.crypto``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.persistence._sql import upsert_insert
from ordo.persistence.tables import CredentialRecord, SessionRecord
from ordo.persistence.types import to_utc, utcnow


def _table(model: type[object]) -> object:
    return model.__table__  # type: ignore[attr-defined]


class SessionRepository:
    """Encrypted broker sessions by account. Each method commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(
        self,
        *,
        account: str,
        adapter: str,
        state: str,
        encrypted: str | None,
        logged_in_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> SessionRecord:
        """Insert or replace the session of ``account`` in one statement, and return the row
        as written. Nothing is read back: a logout deleting the row at the same moment must
        not turn a successful login into an error (last writer wins, both succeed)."""
        values = {
            "adapter": adapter,
            "state": state,
            "encrypted_session": encrypted,
            "logged_in_at": None if logged_in_at is None else to_utc(logged_in_at),
            "expires_at": None if expires_at is None else to_utc(expires_at),
            "updated_at": utcnow(),
        }
        statement = upsert_insert(self.session, _table(SessionRecord)).values(
            account=account, **values
        )
        await self.session.exec(
            statement.on_conflict_do_update(index_elements=["account"], set_=values)
        )
        await self.session.commit()
        return SessionRecord.model_validate({"account": account, **values})

    async def get(self, account: str) -> SessionRecord | None:
        record = await self.session.get(SessionRecord, account, populate_existing=True)
        await self.session.commit()
        return record

    async def all(self) -> list[SessionRecord]:
        """Every stored session, by account name."""
        records = list(
            (
                await self.session.exec(
                    select(SessionRecord)
                    .order_by(col(SessionRecord.account))
                    .execution_options(populate_existing=True)
                )
            ).all()
        )
        await self.session.commit()
        return records

    async def delete(self, account: str) -> bool:
        result = await self.session.exec(
            delete(SessionRecord).where(col(SessionRecord.account) == account)
        )
        await self.session.commit()
        return bool(result.rowcount)


class CredentialRepository:
    """Encrypted broker credentials by (account, name). Each method commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, *, account: str, name: str, encrypted_value: str) -> None:
        """Insert or replace one credential."""
        values = {"encrypted_value": encrypted_value, "updated_at": utcnow()}
        statement = upsert_insert(self.session, _table(CredentialRecord)).values(
            account=account, name=name, **values
        )
        await self.session.exec(
            statement.on_conflict_do_update(index_elements=["account", "name"], set_=values)
        )
        await self.session.commit()

    async def get(self, *, account: str, name: str) -> str | None:
        """The encrypted value, or ``None``."""
        value = (
            await self.session.exec(
                select(CredentialRecord.encrypted_value).where(
                    col(CredentialRecord.account) == account, col(CredentialRecord.name) == name
                )
            )
        ).one_or_none()
        await self.session.commit()
        return value

    async def all(self, account: str | None = None) -> list[CredentialRecord]:
        """Every credential (of ``account`` when given), by account then name."""
        statement = select(CredentialRecord).execution_options(populate_existing=True)
        if account is not None:
            statement = statement.where(col(CredentialRecord.account) == account)
        statement = statement.order_by(col(CredentialRecord.account), col(CredentialRecord.name))
        records = list((await self.session.exec(statement)).all())
        await self.session.commit()
        return records

    async def delete(self, *, account: str, name: str | None = None) -> int:
        """Delete one credential, or all of ``account`` when ``name`` is ``None``."""
        statement = delete(CredentialRecord).where(col(CredentialRecord.account) == account)
        if name is not None:
            statement = statement.where(col(CredentialRecord.name) == name)
        result = await self.session.exec(statement)
        await self.session.commit()
        return int(result.rowcount)
