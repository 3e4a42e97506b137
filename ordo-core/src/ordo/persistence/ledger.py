"""The order ledger: one row per order leg, from before the broker call to its outcome."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.persistence.tables import LedgerEntry, LegState
from ordo.persistence.types import utcnow


class LedgerRepository:
    """Ledger rows over one session; each method commits its own transaction so a leg is on
    disk before the broker is called."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_leg(
        self,
        *,
        request_id: str,
        account: str,
        adapter: str,
        request: dict[str, Any],
        leg: int = 0,
        broker_tag: str | None = None,
        idempotency_scope: str | None = None,
        idempotency_key: str | None = None,
        state: LegState = LegState.PENDING,
    ) -> LedgerEntry:
        """Record a leg (``pending`` unless told otherwise) and return it with its id."""
        now = utcnow()
        entry = LedgerEntry(
            request_id=request_id,
            account=account,
            adapter=adapter,
            request=request,
            leg=leg,
            broker_tag=broker_tag,
            idempotency_scope=idempotency_scope,
            idempotency_key=idempotency_key,
            state=state,
            created_at=now,
            updated_at=now,
        )
        self.session.add(entry)
        await self.session.commit()
        return entry

    async def update_leg(
        self,
        entry_id: int,
        *,
        state: LegState | None = None,
        broker_order_id: str | None = None,
        response: dict[str, Any] | None = None,
        error_code: str | None = None,
        message: str | None = None,
    ) -> LedgerEntry | None:
        """Set the given fields (``None`` leaves a field unchanged); ``None`` when no leg has
        ``entry_id``."""
        changes: dict[str, Any] = {"updated_at": utcnow()}
        for name, value in (
            ("state", state),
            ("broker_order_id", broker_order_id),
            ("response", response),
            ("error_code", error_code),
            ("message", message),
        ):
            if value is not None:
                changes[name] = value
        result = await self.session.exec(
            update(LedgerEntry).where(col(LedgerEntry.id) == entry_id).values(**changes)
        )
        if not result.rowcount:
            await self.session.commit()
            return None
        # populate_existing: a copy of this row already in the session must not hide the
        # values just written.
        entry = (
            await self.session.exec(
                select(LedgerEntry)
                .where(col(LedgerEntry.id) == entry_id)
                .execution_options(populate_existing=True)
            )
        ).one()
        await self.session.commit()
        return entry

    async def get(self, entry_id: int) -> LedgerEntry | None:
        entries = await self._select(col(LedgerEntry.id) == entry_id)
        return entries[0] if entries else None

    async def legs_for_request(self, request_id: str) -> list[LedgerEntry]:
        """Every leg of one API request, in leg order."""
        return await self._select(
            col(LedgerEntry.request_id) == request_id,
            order=(col(LedgerEntry.leg), col(LedgerEntry.id)),
        )

    async def find_by_order(self, account: str, broker_order_id: str) -> LedgerEntry | None:
        """The latest leg of ``account`` that the broker numbered ``broker_order_id``."""
        entries = await self._select(
            col(LedgerEntry.account) == account,
            col(LedgerEntry.broker_order_id) == broker_order_id,
        )
        return entries[-1] if entries else None

    async def find_by_tag(self, broker_tag: str) -> list[LedgerEntry]:
        """Every leg sent with ``broker_tag`` (one per attempt)."""
        return await self._select(col(LedgerEntry.broker_tag) == broker_tag)

    async def unknown_legs(self, account: str | None = None) -> list[LedgerEntry]:
        """Legs whose outcome is still unknown, oldest first, for reconciliation."""
        return await self.legs_in_states([LegState.UNKNOWN], account=account)

    async def legs_in_states(
        self, states: Iterable[LegState], *, account: str | None = None
    ) -> list[LedgerEntry]:
        conditions: list[Any] = [col(LedgerEntry.state).in_(list(states))]
        if account is not None:
            conditions.append(col(LedgerEntry.account) == account)
        return await self._select(*conditions)

    async def _select(self, *conditions: Any, order: tuple[Any, ...] = ()) -> list[LedgerEntry]:
        # Default order is insertion order (id), which is oldest first.
        statement = (
            select(LedgerEntry).where(*conditions).order_by(*(order or (col(LedgerEntry.id),)))
        )
        entries = list((await self.session.exec(statement)).all())
        await self.session.commit()
        return entries
