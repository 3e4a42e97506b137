"""One owner for a write's unit of work: the idempotency claim, the legs' settlements and
the stored response, in that order (``Idempotency-Key``, IETF draft semantics).

The key is scoped to the API token's name and claimed, with a fingerprint of the request,
before any broker call. Same key and body replay the stored response; the same key while
the first request runs is answered 409 with ``Retry-After``; the same key with another body
is 422 ``IDEMPOTENCY_KEY_REUSED``. A claim records its owner (this instance), so a claim
whose process died is freed promptly (``ClaimSweeper``).

The work (placing, modifying or cancelling) returns its per-account results and hands its
legs' settlements to ``Settlements``; whether the outcome is final is decided from those
results (``fanout.is_final``), and the settlements are written in the transaction that
stores or releases the claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ordo.domain import AccountResult
from ordo.domain.ledger import LedgerLeg, Settlement
from ordo.errors import RequestError
from ordo.orchestrator.fanout import Reply, is_final, render
from ordo.persistence.db import Database
from ordo.persistence.idempotency import ClaimResult, ClaimStatus
from ordo.persistence.statements import OrderStatements
from ordo.safety.idempotency import InFlightRegistry, fingerprint, validate_key

REPLAYED_HEADER = "Idempotent-Replayed"

PriorLegs = Mapping[str, Sequence[LedgerLeg]]
"""Earlier ledger legs of a request's tags, read under its claim."""


@dataclass(frozen=True)
class Ticket:
    """Who asks for which write: enough to claim, fingerprint and answer it."""

    scope: str
    """The API token's name: keys are scoped to it."""
    key: str | None
    """The client's ``Idempotency-Key``; ``None`` when it sent none."""
    request_id: str
    method: str
    path: str
    body: Any
    """The request body as JSON data (fingerprinted)."""


@dataclass
class Settlements:
    """Legs' outcomes gathered while the work runs, written with the claim's last commit."""

    items: list[Settlement] = field(default_factory=list)

    def add(self, settlement: Settlement) -> None:
        self.items.append(settlement)

    def apply(self, statements: OrderStatements) -> None:
        for settlement in self.items:
            settlement.apply(statements)


Work = Callable[[PriorLegs, Settlements], Awaitable[list[AccountResult]]]
"""``work(prior, settlements)``: run the write, return one result per account."""


def _in_flight(key: str) -> RequestError:
    return RequestError(
        "IDEMPOTENCY_IN_FLIGHT",
        f"a request with Idempotency-Key {key!r} is still being processed; retry shortly "
        "with the same key",
        http_status=409,
        headers={"Retry-After": "1"},
    )


class OrderUnitOfWork:
    """Runs a write at most once per (scope, key); stores and replays its response."""

    def __init__(
        self, db: Database, in_flight: InFlightRegistry, *, ttl: timedelta, owner: str
    ) -> None:
        self.db = db
        self.in_flight = in_flight
        self.ttl = ttl
        self.owner = owner
        """This instance's name, recorded on every claim it makes."""

    async def run(self, ticket: Ticket, tags: Sequence[str], work: Work) -> Reply:
        """Run ``work`` for ``ticket``; ``tags`` are the broker tags of its legs, whose
        earlier attempts are read under the claim (none for a fresh automatic key)."""
        settlements = Settlements()
        if ticket.key is None:
            try:
                results = await work({tag: [] for tag in tags}, settlements)
            finally:
                await self.db.transact(settlements.apply)
            return render(ticket.request_id, results)
        key = ticket.key
        try:
            validate_key(key)
        except ValueError as exc:
            raise RequestError("INVALID_IDEMPOTENCY_KEY", str(exc), http_status=422) from None
        with self.in_flight.claimed(ticket.scope, key) as mine:
            if not mine:
                raise _in_flight(key)
            claim, prior = await self.db.transact(lambda s: self._claim(s, ticket, key, tags))
            if claim.status is ClaimStatus.MISMATCH:
                raise RequestError(
                    "IDEMPOTENCY_KEY_REUSED",
                    f"Idempotency-Key {key!r} was already used with a different request body",
                    http_status=422,
                )
            if claim.status is ClaimStatus.IN_FLIGHT:
                raise _in_flight(key)
            if claim.status is ClaimStatus.COMPLETED:
                return Reply(
                    claim.status_code or 200,
                    (claim.response_body or "").encode("utf-8"),
                    {REPLAYED_HEADER: "true"},
                )
            return await self._run_claimed(ticket, key, prior, work, settlements)

    def _claim(
        self, statements: OrderStatements, ticket: Ticket, key: str, tags: Sequence[str]
    ) -> tuple[ClaimResult, PriorLegs]:
        claim = statements.claim(
            scope=ticket.scope,
            key=key,
            fingerprint=fingerprint(ticket.method, ticket.path, ticket.body),
            request_id=ticket.request_id,
            ttl=self.ttl,
            owner=self.owner,
        )
        # Earlier legs are read in the claim's own transaction: no extra round trip.
        won = claim.status is ClaimStatus.CLAIMED and tags
        return claim, statements.legs_by_tags(tags) if won else {}

    async def _run_claimed(
        self,
        ticket: Ticket,
        key: str,
        prior: PriorLegs,
        work: Work,
        settlements: Settlements,
    ) -> Reply:
        scope = ticket.scope

        def release(statements: OrderStatements) -> None:
            settlements.apply(statements)
            statements.release(scope=scope, key=key)

        try:
            results = await work(prior, settlements)
        except BaseException:
            # Nothing was stored for this key, so the client may retry it. Legs that did
            # reach a broker are in the ledger, and a retry reconciles them by tag first.
            await self.db.transact(release)
            raise
        reply = render(ticket.request_id, results)
        if not is_final(results):
            await self.db.transact(release)
            return reply

        def complete(statements: OrderStatements) -> None:
            settlements.apply(statements)
            statements.complete(
                scope=scope, key=key, status_code=reply.status_code, body=reply.body
            )

        await self.db.transact(complete)
        return reply
