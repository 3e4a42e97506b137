"""The order ledger: one row per order leg, from before the broker call to its outcome."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ordo.domain.ledger import LedgerLeg, LegState
from ordo.persistence.tables import LedgerEntry
from ordo.persistence.types import utcnow

_TABLE: Any = LedgerEntry.__table__  # type: ignore[attr-defined]
# Built once, values bound at execution (see persistence/idempotency.py for why).
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_BY_TAG = core_select(_TABLE).where(_TABLE.c.broker_tag == bindparam("b_tag")).order_by(_TABLE.c.id)
_BY_TAGS = (
    core_select(_TABLE)
    .where(_TABLE.c.broker_tag.in_(bindparam("b_tags", expanding=True)))
    .order_by(_TABLE.c.id)
)
_FOR_REQUEST = (
    core_select(_TABLE)
    .where(_TABLE.c.request_id == bindparam("b_request"))
    .order_by(_TABLE.c.leg, _TABLE.c.id)
)
_BY_ORDER = (
    core_select(_TABLE)
    .where(
        _TABLE.c.account == bindparam("b_account"),
        _TABLE.c.broker_order_id == bindparam("b_order"),
    )
    .order_by(_TABLE.c.id.desc())
    .limit(1)
)
_IN_STATE = core_select(_TABLE).where(_TABLE.c.state == bindparam("b_state")).order_by(_TABLE.c.id)
_UPDATE = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
_SETTABLE = ("state", "broker_order_id", "response", "error_code", "message")


def leg_values(
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
) -> dict[str, Any]:
    """Every column of a new leg but its id."""
    now = utcnow()
    return {
        "request_id": request_id,
        "account": account,
        "adapter": adapter,
        "request": request,
        "leg": leg,
        "broker_tag": broker_tag,
        "idempotency_scope": idempotency_scope,
        "idempotency_key": idempotency_key,
        "state": state,
        "broker_order_id": None,
        "response": None,
        "error_code": None,
        "message": None,
        "created_at": now,
        "updated_at": now,
    }


def add_leg_on(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a leg (``leg_values``) within the caller's transaction (see ``Database.run``);
    returns its id."""
    entry_id: int = conn.execute(_INSERT, values).scalar_one()
    return entry_id


def set_leg_on(
    conn: Connection,
    entry_id: int,
    *,
    state: LegState | None = None,
    broker_order_id: str | None = None,
    response: dict[str, Any] | None = None,
    error_code: str | None = None,
    message: str | None = None,
) -> bool:
    """Set the given fields of a leg (``None`` leaves a field unchanged) within the caller's
    transaction; ``False`` when no leg has ``entry_id``."""
    given = (state, broker_order_id, response, error_code, message)
    changes: dict[str, Any] = {
        name: value for name, value in zip(_SETTABLE, given, strict=True) if value is not None
    }
    changes["updated_at"] = utcnow()
    result = conn.execute(_UPDATE, {**changes, "b_id": entry_id})
    return bool(result.rowcount)


def legs_by_tag_on(conn: Connection, broker_tag: str) -> list[LedgerLeg]:
    """Every leg sent with ``broker_tag`` (one per attempt), oldest first."""
    rows = conn.execute(_BY_TAG, {"b_tag": broker_tag})
    return [LedgerLeg(**row._mapping) for row in rows]


def legs_by_tags_on(conn: Connection, broker_tags: Iterable[str]) -> dict[str, list[LedgerLeg]]:
    """Every leg sent with any of ``broker_tags``, by tag (a tag with none maps to ``[]``),
    each list oldest first."""
    tags = list(broker_tags)
    found: dict[str, list[LedgerLeg]] = {tag: [] for tag in tags}
    if tags:
        for row in conn.execute(_BY_TAGS, {"b_tags": tags}):
            entry = LedgerLeg(**row._mapping)
            found[entry.broker_tag or ""].append(entry)
    return found


def legs_for_request_on(conn: Connection, request_id: str) -> list[LedgerLeg]:
    """Every leg of one API request, in leg order."""
    return [
        LedgerLeg(**row._mapping) for row in conn.execute(_FOR_REQUEST, {"b_request": request_id})
    ]


def leg_by_order_on(conn: Connection, account: str, broker_order_id: str) -> LedgerLeg | None:
    """The latest leg of ``account`` that the broker numbered ``broker_order_id``."""
    row = conn.execute(_BY_ORDER, {"b_account": account, "b_order": broker_order_id}).first()
    return None if row is None else LedgerLeg(**row._mapping)


def unknown_legs_on(conn: Connection) -> list[LedgerLeg]:
    """Legs whose outcome is still unknown, oldest first, for reconciliation."""
    rows = conn.execute(_IN_STATE, {"b_state": LegState.UNKNOWN.value})
    return [LedgerLeg(**row._mapping) for row in rows]


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
        values = leg_values(
            request_id=request_id,
            account=account,
            adapter=adapter,
            request=request,
            leg=leg,
            broker_tag=broker_tag,
            idempotency_scope=idempotency_scope,
            idempotency_key=idempotency_key,
            state=state,
        )
        entry_id = await self.session.run_sync(lambda s: add_leg_on(s.connection(), values))
        entry = LedgerEntry(id=entry_id, **values)
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
        found = await self.session.run_sync(
            lambda s: set_leg_on(
                s.connection(),
                entry_id,
                state=state,
                broker_order_id=broker_order_id,
                response=response,
                error_code=error_code,
                message=message,
            )
        )
        if not found:
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
