"""The order's unit of work (``OrderUnitOfWork``): the legs' outcomes share the claim's
final commit; finality comes from the per-account results; a crashed process's claims are
freed promptly (``ClaimSweeper``).

Moved here from ``test_perf_order_statements`` (which tested ``run_idempotent``) with the
same assertions, plus the crash-recovery cases of issue 16.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from ordo.domain import AccountResult, ResultStatus
from ordo.domain.ledger import LegChanges, LegState, SetsLegs, Settlement
from ordo.errors import RequestError
from ordo.orchestrator.claims import ClaimSweeper, instance_name
from ordo.orchestrator.unit_of_work import (
    OrderUnitOfWork,
    PriorLegs,
    Settlements,
    Ticket,
    Work,
)
from ordo.persistence import Database, IdempotencyRecord
from ordo.persistence.idempotency import ClaimStatus
from ordo.persistence.ledger import leg_values
from ordo.persistence.statements import OrderStatements
from ordo.safety.idempotency import InFlightRegistry
from sqlmodel import col, select

TTL = timedelta(hours=24)


async def stored_claim(database: Database, scope: str, key: str) -> IdempotencyRecord | None:
    """The record as SQLAlchemy's ORM reads it."""
    async with database.session() as session:
        statement = select(IdempotencyRecord).where(
            col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
        )
        return (await session.exec(statement)).one_or_none()


def sent_leg(tag: str) -> dict[str, object]:
    return leg_values(
        request_id="rq",
        account="paper",
        adapter="mock",
        request={"price": Decimal("812.05")},
        broker_tag=tag,
        idempotency_scope="desk",
        idempotency_key="k",
        state=LegState.SENT,
    )


def ticket(key: str | None) -> Ticket:
    return Ticket("desk", key, "rq", "POST", "/api/v1/orders", {"q": 1})


def result(status: ResultStatus, *, retryable: bool = False) -> AccountResult:
    return AccountResult(
        account="paper",
        broker="mock",
        status=status,
        retryable=retryable,
        error_code=None if status is ResultStatus.SUCCESS else "BROKER_UNAVAILABLE",
        http_status=None if status is ResultStatus.SUCCESS else 503,
    )


@dataclass(frozen=True)
class RecordedSettlement(Settlement):
    """A settlement that notes when the unit of work writes it."""

    seen: list[str] = field(default_factory=list)

    def apply(self, statements: SetsLegs) -> bool:
        self.seen.append("finish")
        return super().apply(statements)


async def _run(
    db: Database, key: str | None, outcome: list[AccountResult] | Exception
) -> tuple[int, bytes, list[str]]:
    seen: list[str] = []
    entry = await db.transact(lambda s: s.add_leg(sent_leg(f"T-{key}")))
    unit = OrderUnitOfWork(db, InFlightRegistry(), ttl=TTL, owner="me")

    async def work(prior: PriorLegs, settlements: Settlements) -> list[AccountResult]:
        changes = LegChanges(state=LegState.ACKNOWLEDGED, broker_order_id="B9")
        settlements.add(RecordedSettlement(entry, changes, seen))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    typed: Work = work
    reply = await unit.run(ticket(key), [f"T-{key}"], typed)
    legs = (await db.transact(lambda s: s.legs_by_tags([f"T-{key}"])))[f"T-{key}"]
    assert [(leg.state, leg.broker_order_id) for leg in legs] == [(LegState.ACKNOWLEDGED, "B9")]
    return reply.status_code, reply.body, seen


async def test_a_final_response_is_stored_with_the_legs_outcomes(database: Database) -> None:
    status_code, body, seen = await _run(database, "final", [result(ResultStatus.SUCCESS)])
    assert (status_code, seen) == (200, ["finish"])
    record = await stored_claim(database, "desk", "final")
    assert record is not None
    assert (record.state, record.status_code) == ("completed", 200)
    assert record.response_body == body.decode()
    assert json.loads(body)["results"][0]["status"] == "success"


async def test_a_retryable_or_failed_handler_releases_the_key_with_the_outcomes(
    database: Database,
) -> None:
    retryable = [result(ResultStatus.ERROR, retryable=True)]
    status_code, _, seen = await _run(database, "retry", retryable)
    assert (status_code, seen) == (503, ["finish"])
    with pytest.raises(RuntimeError, match="bug"):
        await _run(database, "broken", RuntimeError("bug"))
    assert await stored_claim(database, "desk", "retry") is None
    assert await stored_claim(database, "desk", "broken") is None


async def test_without_a_key_the_outcomes_are_written_on_their_own(database: Database) -> None:
    status_code, _, seen = await _run(database, None, [result(ResultStatus.SUCCESS)])
    assert (status_code, seen) == (200, ["finish"])


async def test_an_unknown_leg_is_not_final(database: Database) -> None:
    status_code, _, _ = await _run(database, "unknown", [result(ResultStatus.UNKNOWN)])
    assert status_code == 202
    assert await stored_claim(database, "desk", "unknown") is None


async def test_a_completed_key_replays_and_an_invalid_key_is_refused(database: Database) -> None:
    await _run(database, "again", [result(ResultStatus.SUCCESS)])
    unit = OrderUnitOfWork(database, InFlightRegistry(), ttl=TTL, owner="me")

    async def never(prior: PriorLegs, settlements: Settlements) -> list[AccountResult]:
        raise AssertionError("a replay must not run the work")

    replay = await unit.run(ticket("again"), ["T-again"], never)
    assert (replay.status_code, replay.headers) == (200, {"Idempotent-Replayed": "true"})
    with pytest.raises(RequestError) as caught:
        await unit.run(ticket("bad\nkey"), [], never)
    assert (caught.value.code, caught.value.http_status) == ("INVALID_IDEMPOTENCY_KEY", 422)


# -- crash recovery: claims record their owner ------------------------------------------------
async def _claim(db: Database, key: str, owner: str, now: datetime | None = None) -> ClaimStatus:
    def work(s: OrderStatements) -> ClaimStatus:
        return s.claim(
            scope="desk", key=key, fingerprint="fp", request_id="rq", ttl=TTL, now=now, owner=owner
        ).status

    return await db.transact(work)


async def test_a_single_instance_frees_its_own_claims_at_start(
    database: Database, tmp_path: Path
) -> None:
    me = instance_name(tmp_path, replica=False)
    assert instance_name(tmp_path, replica=False) == me  # stable across restarts
    assert await _claim(database, "mine", me) is ClaimStatus.CLAIMED
    assert await _claim(database, "theirs", "another-instance") is ClaimStatus.CLAIMED
    assert await _claim(database, "mine", me) is ClaimStatus.IN_FLIGHT
    freed = await ClaimSweeper(database, me, replica=False).at_start()
    assert freed == 1
    assert await _claim(database, "mine", me) is ClaimStatus.CLAIMED
    assert await _claim(database, "theirs", me) is ClaimStatus.IN_FLIGHT


async def test_replicas_free_the_claims_of_a_silent_one(database: Database, tmp_path: Path) -> None:
    alive = instance_name(tmp_path, replica=True)
    dead = instance_name(tmp_path, replica=True)
    assert alive != dead  # a fresh name per replica process
    old = datetime.now(UTC) - timedelta(seconds=30)
    assert await _claim(database, "of-dead", dead, now=old) is ClaimStatus.CLAIMED
    assert await _claim(database, "of-alive", alive, now=old) is ClaimStatus.CLAIMED
    assert await _claim(database, "fresh", dead) is ClaimStatus.CLAIMED
    sweeper = ClaimSweeper(database, alive, replica=True, silent_after=10.0)
    # Only the silent owner's claim older than the silence window goes; a young claim may
    # belong to a replica that has not beaten yet.
    assert await sweeper.tick() == 1
    assert await _claim(database, "of-dead", alive) is ClaimStatus.CLAIMED
    assert await _claim(database, "of-alive", dead) is ClaimStatus.IN_FLIGHT
    assert await _claim(database, "fresh", alive) is ClaimStatus.IN_FLIGHT


async def test_the_sweeper_names_its_jobs_and_purges_expired_keys(database: Database) -> None:
    single = ClaimSweeper(database, "me", replica=False)
    replica = ClaimSweeper(database, "me", replica=True)
    assert len(single.jobs(30.0)) == 2
    assert len(replica.jobs(30.0)) == 3  # plus the heartbeat
    long_ago = datetime.now(UTC) - timedelta(days=3)
    assert await _claim(database, "old", "me", now=long_ago) is ClaimStatus.CLAIMED
    assert await _claim(database, "new", "me") is ClaimStatus.CLAIMED
    assert await single.purge() == 1
    assert await _claim(database, "old", "me") is ClaimStatus.CLAIMED
    assert await _claim(database, "new", "me") is ClaimStatus.IN_FLIGHT
