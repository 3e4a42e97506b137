"""Crash recovery of idempotency claims: a key whose request died with its process must
not answer 409 for long.

Every claim records its owner, the instance that made it (``OrderUnitOfWork.owner``).

* A single instance keeps one name across restarts (``instance_name``, stored in its data
  directory). As it starts it holds no claim, so every in-flight claim in its name is a
  leftover of its previous life and is freed at once.
* Replicas (a shared database and Redis) each take a fresh name per process and beat a
  heartbeat row every ``heartbeat_seconds``; any replica frees the in-flight claims of an
  owner silent for ``silent_after`` seconds.
* Claims without an owner (written before owners were recorded) are freed once older than
  any request can run (``abandoned_after``).

Freeing a claim never risks a second order: the client's retry reconciles each leg by its
broker tag before sending anything.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordo.jobs import Job, every
from ordo.persistence.db import Database
from ordo.persistence.idempotency import (
    heartbeat_on,
    purge_expired_on,
    release_abandoned_on,
    release_orphaned_on,
    release_owned_on,
)

INSTANCE_FILE = "instance-id"


def instance_name(data_dir: Path, *, replica: bool) -> str:
    """This instance's owner name: stable across restarts of a single instance (kept in
    ``data_dir``), unique per process for a replica."""
    path = data_dir / INSTANCE_FILE
    try:
        stable = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        stable = ""
    if not stable:
        stable = uuid.uuid4().hex
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(stable + "\n", encoding="ascii")
    return f"{stable[:32]}-{uuid.uuid4().hex[:12]}" if replica else stable[:32]


class ClaimSweeper:
    """Frees the in-flight claims of instances that died."""

    def __init__(
        self,
        db: Database,
        owner: str,
        *,
        replica: bool,
        heartbeat_seconds: float = 2.0,
        silent_after: float = 10.0,
        abandoned_after: float = 60.0,
    ) -> None:
        self.db = db
        self.owner = owner
        self.replica = replica
        self.heartbeat_seconds = heartbeat_seconds
        self.silent_after = silent_after
        self.abandoned_after = abandoned_after

    async def at_start(self) -> int:
        """Free this instance's own leftovers (and, for a replica, those of silent ones);
        returns how many claims were freed."""
        freed = await self.db.run(lambda c: release_owned_on(c, self.owner))
        if self.replica:
            freed += await self.tick()
        return freed

    async def tick(self) -> int:
        """Say this replica is alive, then free the claims of silent ones."""
        now = datetime.now(UTC)
        await self.db.run(lambda c: heartbeat_on(c, self.owner, now))
        cutoff = now - timedelta(seconds=self.silent_after)
        return await self.db.run(lambda c: release_orphaned_on(c, cutoff))

    def jobs(self, reconcile_interval: float) -> list[Job]:
        """Heartbeat and sweep (replicas), owner-less leftovers, and expired keys."""
        jobs = [every(reconcile_interval, self.release_abandoned), every(3600.0, self.purge)]
        if self.replica:
            jobs.append(every(self.heartbeat_seconds, self.tick))
        return jobs

    async def purge(self) -> int:
        """Delete keys whose retention has ended."""
        now = datetime.now(UTC)
        return await self.db.run(lambda c: purge_expired_on(c, now))

    async def release_abandoned(self) -> int:
        """Free claims without an owner that are older than any request can run."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.abandoned_after)
        return await self.db.run(lambda c: release_abandoned_on(c, cutoff))
