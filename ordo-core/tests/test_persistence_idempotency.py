"""Idempotency claims on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ordo.persistence import ClaimStatus, Database, IdempotencyRepository

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
    async with db.session() as s:
        result = await IdempotencyRepository(s).claim(
            scope=scope, key=key, fingerprint=fingerprint, request_id="req-1", ttl=TTL, now=now
        )
        return result.status


async def test_first_claim_wins_then_in_flight_then_mismatch(database: Database) -> None:
    assert await claim(database) is ClaimStatus.CLAIMED
    assert await claim(database) is ClaimStatus.IN_FLIGHT
    assert await claim(database, fingerprint="fp-b") is ClaimStatus.MISMATCH


async def test_completed_claim_replays_the_stored_response(database: Database) -> None:
    await claim(database)
    async with database.session() as s:
        repo = IdempotencyRepository(s)
        body = {"status": "success", "data": {"order_id": "2501300001"}}
        assert await repo.complete(scope="default", key="k1", status_code=201, body=body)
        again = await repo.claim(
            scope="default", key="k1", fingerprint="fp-a", request_id="req-2", ttl=TTL
        )
    assert again.status is ClaimStatus.COMPLETED
    assert again.status_code == 201
    assert again.response() == body
    assert again.record.request_id == "req-1"
    # A different body is a mismatch even after completion.
    assert await claim(database, fingerprint="fp-b") is ClaimStatus.MISMATCH


async def test_complete_without_claim_reports_false(database: Database) -> None:
    async with database.session() as s:
        done = await IdempotencyRepository(s).complete(
            scope="default", key="nope", status_code=200, body="{}"
        )
    assert done is False


async def test_release_frees_an_in_flight_key_but_never_a_completed_one(
    database: Database,
) -> None:
    await claim(database, "a")
    await claim(database, "b")
    async with database.session() as s:
        repo = IdempotencyRepository(s)
        await repo.complete(scope="default", key="b", status_code=200, body=b'{"ok":true}')
        assert await repo.release(scope="default", key="a") is True
        assert await repo.release(scope="default", key="b") is False
        assert await repo.get(scope="default", key="a") is None
        completed = await repo.get(scope="default", key="b")
    assert completed is not None
    assert completed.response_body == '{"ok":true}'
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
    async with database.session() as s:
        repo = IdempotencyRepository(s)
        assert await repo.purge_expired(T0 + TTL) == 1
        assert await repo.get(scope="default", key="old") is None
        kept = await repo.get(scope="default", key="k1")
    assert kept is not None
    assert kept.fingerprint == "fp-b"
    assert kept.expires_at == T0 + 2 * TTL
    assert kept.expires_at.tzinfo is not None


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
    async with database.session() as s:
        repo = IdempotencyRepository(s)
        for key in ("dead", "alive"):
            now = start if key == "dead" else start + timedelta(minutes=5)
            claim = await repo.claim(
                scope="desk",
                key=key,
                fingerprint="f",
                request_id="r",
                ttl=timedelta(hours=24),
                now=now,
            )
            assert claim.status is ClaimStatus.CLAIMED
        await repo.complete(scope="desk", key="alive", status_code=200, body=b"{}")
        released = await repo.release_abandoned(start + timedelta(minutes=10))
        assert released == 1
        again = await repo.claim(
            scope="desk",
            key="dead",
            fingerprint="f",
            request_id="r2",
            ttl=timedelta(hours=24),
            now=start + timedelta(minutes=11),
        )
        assert again.status is ClaimStatus.CLAIMED
        kept = await repo.claim(
            scope="desk",
            key="alive",
            fingerprint="f",
            request_id="r3",
            ttl=timedelta(hours=24),
            now=start + timedelta(minutes=11),
        )
        assert kept.status is ClaimStatus.COMPLETED
