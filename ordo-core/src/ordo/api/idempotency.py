"""``Idempotency-Key`` handling for the order routes (IETF draft semantics).

The key is scoped to the API token's name. The claim is stored with a fingerprint of the
request before any broker call: same key and body replay the stored response; the same key
while the first request runs gets 409 with ``Retry-After``; the same key with another body
gets 422 ``IDEMPOTENCY_KEY_REUSED``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse, Response

from ordo.orchestrator.errors import OrdoError
from ordo.persistence.idempotency import ClaimResult, ClaimStatus
from ordo.persistence.statements import OrderStatements
from ordo.runtime import OrdoRuntime
from ordo.safety.idempotency import fingerprint, validate_key

REPLAYED_HEADER = "Idempotent-Replayed"


def _in_flight(key: str) -> OrdoError:
    return OrdoError(
        "IDEMPOTENCY_IN_FLIGHT",
        f"a request with Idempotency-Key {key!r} is still being processed; retry shortly "
        "with the same key",
        http_status=409,
        headers={"Retry-After": "1"},
    )


async def run_idempotent(
    runtime: OrdoRuntime,
    *,
    scope: str,
    key: str | None,
    method: str,
    path: str,
    body: Any,
    request_id: str,
    handler: Callable[[], Awaitable[JSONResponse]],
    with_claim: Callable[[OrderStatements], object] | None = None,
    finish: Callable[[OrderStatements], object] | None = None,
) -> Response:
    """Run ``handler`` at most once per (scope, key); store and replay its response.

    ``with_claim(statements)`` runs in the claim's own transaction when the claim is won:
    reads the handler needs cost no extra round trip to the database there.
    ``finish(statements)`` runs once the handler is done (returned or raised), in the
    transaction that stores or releases the claim, so the handler's own last writes (the
    ledger legs' outcomes) share that commit; without a key, in a transaction of its own.
    """
    if key is None:
        try:
            return await handler()
        finally:
            if finish is not None:
                await runtime.db.transact(finish)
    try:
        validate_key(key)
    except ValueError as exc:
        raise OrdoError("INVALID_IDEMPOTENCY_KEY", str(exc), http_status=422) from None
    with runtime.in_flight.claimed(scope, key) as mine:
        if not mine:
            raise _in_flight(key)
        print_ = fingerprint(method, path, body)
        ttl = timedelta(hours=runtime.settings.idempotency_ttl_hours)

        def claim_work(statements: OrderStatements) -> ClaimResult:
            claim = statements.claim(
                scope=scope, key=key, fingerprint=print_, request_id=request_id, ttl=ttl
            )
            if claim.status is ClaimStatus.CLAIMED and with_claim is not None:
                with_claim(statements)
            return claim

        claim = await runtime.db.transact(claim_work)
        if claim.status is ClaimStatus.MISMATCH:
            raise OrdoError(
                "IDEMPOTENCY_KEY_REUSED",
                f"Idempotency-Key {key!r} was already used with a different request body",
                http_status=422,
            )
        if claim.status is ClaimStatus.IN_FLIGHT:
            raise _in_flight(key)
        if claim.status is ClaimStatus.COMPLETED:
            return Response(
                content=claim.response_body or "",
                status_code=claim.status_code or 200,
                media_type="application/json",
                headers={REPLAYED_HEADER: "true"},
            )

        def release(statements: OrderStatements) -> None:
            if finish is not None:
                finish(statements)
            statements.release(scope=scope, key=key)

        try:
            response = await handler()
        except BaseException:
            # Nothing was stored for this key, so the client may retry it. Legs that did
            # reach a broker are in the ledger, and a retry reconciles them by tag first.
            await runtime.db.transact(release)
            raise
        body_bytes = bytes(response.body)
        if not is_final(body_bytes):
            await runtime.db.transact(release)
            return response
        status_code = response.status_code

        def complete(statements: OrderStatements) -> None:
            if finish is not None:
                finish(statements)
            statements.complete(scope=scope, key=key, status_code=status_code, body=body_bytes)

        await runtime.db.transact(complete)
        return response


def is_final(body: bytes) -> bool:
    """Whether a response is the request's final word, to be replayed for its key.

    It is not when every leg failed in a way that proves nothing happened (retryable), or
    when a leg's outcome is unknown: a retry with the same key then runs again, and each
    leg is first reconciled by its tag, so nothing is placed twice.
    """
    results = json.loads(body).get("results")
    if not results:
        return True
    if any(r.get("status") == "unknown" for r in results):
        return False
    return not all(r.get("status") == "error" and r.get("retryable") for r in results)
