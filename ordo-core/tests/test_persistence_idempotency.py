"""Idempotency claims on SQLite and PostgreSQL, through the order path's statements
(``OrderStatements``) and the off-path ones (``persistence.idempotency``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ordo.persistence import ClaimResult, ClaimStatus, Database
from ordo.persistence.idempotency import purge_expired_on, release_abandoned_on
from ordo.persistence.statements import OrderStatements

TTL = timedelta(hours=24)
T0 = datetime(2025, 1, 30, 4, 0, tzinfo=UTC)


async def claim(
    db: Database,
    key: str = "k1",
    fingerprint: str = "fp-a",
    *,
    scope: str = "default",
    now: datetime | None = None,
) -> ClaimStatus:
    result = await db.transact(
        lambda s: s.claim(
            scope=scope, key=key, fingerprint=fingerprint, request_id="req-1", ttl=TTL, now=now
        )
    )
    return result.status


async def claim_at(
    db: Database, *, scope: str, key: str, request_id: str, now: datetime
) -> ClaimResult:
    return await db.transact(
        lambda s: s.claim(
            scope=scope, key=key, fingerprint="f", request_id=request_id, ttl=TTL, now=now
        )
    )


async def record(db: Database, key: str, scope: str = "default") -> dict[str, Any] | None:
    return await db.transact(lambda s: s.find_claim(scope=scope, key=key))


async def complete(db: Database, key: str, status_code: int, body: Any) -> bool:
    def work(s: OrderStatements) -> bool:
        return s.complete(scope="default", key=key, status_code=status_code, body=body)

    return await db.transact(work)


async def test_first_claim_wins_then_in_flight_then_mismatch(database: Database) -> None:
    assert await claim(database) is ClaimStatus.CLAIMED
    assert await claim(database) is ClaimStatus.IN_FLIGHT
    assert await claim(database, fingerprint="fp-b") is ClaimStatus.MISMATCH


async def test_completed_claim_replays_the_stored_response(database: Database) -> None:
    await claim(database)
    body = {"status": "success", "data": {"order_id": "2501300001"}}
    assert await complete(database, "k1", 201, body)
    again = await database.transact(
        lambda s: s.claim(
            scope="default", key="k1", fingerprint="fp-a", request_id="req-2", ttl=TTL
        )
    )
    assert again.status is ClaimStatus.COMPLETED
    assert again.status_code == 201
    assert again.response() == body
    assert again.record.request_id == "req-1"
    # A different body is a mismatch even after completion.
    assert await claim(database, fingerprint="fp-b") is ClaimStatus.MISMATCH


async def test_complete_without_claim_reports_false(database: Database) -> None:
    assert await complete(database, "nope", 200, "{}") is False


async def test_release_frees_an_in_flight_key_but_never_a_completed_one(
    database: Database,
) -> None:
    await claim(database, "a")
    await claim(database, "b")
    await complete(database, "b", 200, b'{"ok":true}')
    assert await database.transact(lambda s: s.release(scope="default", key="a")) is True
    assert await database.transact(lambda s: s.release(scope="default", key="b")) is False
    assert await record(database, "a") is None
    completed = await record(database, "b")
    assert completed is not None
    assert completed["response_body"] == '{"ok":true}'
    assert await claim(database, "a") is ClaimStatus.CLAIMED


async def test_keys_are_scoped_to_the_token(database: Database) -> None:
    assert await claim(database, scope="alice") is ClaimStatus.CLAIMED
    assert await claim(database, scope="bob", fingerprint="other") is ClaimStatus.CLAIMED


async def test_expired_record_is_replaced_and_purged(database: Database) -> None:
    assert await claim(database, now=T0) is ClaimStatus.CLAIMED
    assert await claim(database, now=T0 + TTL - timedelta(seconds=1)) is ClaimStatus.IN_FLIGHT
    # Past retention the key is free again, even with another body.
    assert await claim(database, fingerprint="fp-b", now=T0 + TTL) is ClaimStatus.CLAIMED
    await claim(database, "old", now=T0)
    assert await database.run(lambda c: purge_expired_on(c, T0 + TTL)) == 1
    assert await record(database, "old") is None
    kept = await record(database, "k1")
    assert kept is not None
    assert kept["fingerprint"] == "fp-b"
    assert kept["expires_at"] == T0 + 2 * TTL
    assert kept["expires_at"].tzinfo is not None


async def test_fifty_concurrent_claims_have_exactly_one_winner(database: Database) -> None:
    # A second engine on the same database stands in for a second process.
    other = Database(database.url.render_as_string(hide_password=False), schema=database.schema)
    try:
        results = await asyncio.gather(
            *(claim(database if i % 2 else other, "race") for i in range(50))
        )
    finally:
        await other.dispose()
    assert results.count(ClaimStatus.CLAIMED) == 1
    assert results.count(ClaimStatus.IN_FLIGHT) == 49


async def test_abandoned_in_flight_claims_are_released(database: Database) -> None:
    start = datetime(2026, 1, 5, 9, 15, tzinfo=UTC)
    for key in ("dead", "alive"):
        now = start if key == "dead" else start + timedelta(minutes=5)
        claimed = await claim_at(database, scope="desk", key=key, request_id="r", now=now)
        assert claimed.status is ClaimStatus.CLAIMED

    def finish(s: OrderStatements) -> bool:
        return s.complete(scope="desk", key="alive", status_code=200, body=b"{}")

    await database.transact(finish)
    cutoff = start + timedelta(minutes=10)
    released = await database.run(lambda c: release_abandoned_on(c, cutoff))
    assert released == 1
    later = start + timedelta(minutes=11)
    again = await claim_at(database, scope="desk", key="dead", request_id="r2", now=later)
    assert again.status is ClaimStatus.CLAIMED
    kept = await claim_at(database, scope="desk", key="alive", request_id="r3", now=later)
    assert kept.status is ClaimStatus.COMPLETED
