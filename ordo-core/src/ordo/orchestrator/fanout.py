"""Concurrent fan-out of one operation over several accounts, and collation of the results
into one response with partial success (FR8-FR12)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from loguru import logger

from ordo.adapters.errors import ALL_ERRORS, BrokerError
from ordo.domain import AccountResult, ResultStatus
from ordo.orchestrator.accounts import Account

Collated = Literal["success", "partial", "error"]


def error_result(account: Account, exc: BrokerError) -> AccountResult:
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.UNKNOWN if exc.code == "OUTCOME_UNKNOWN" else ResultStatus.ERROR,
        error_code=exc.code,
        message=f"{account.name}: {exc.message}",
        # An open breaker refused before the broker saw anything: safe to send again later.
        retryable=exc.retryable or exc.code == "BROKER_CIRCUIT_OPEN",
    )


async def fan_out(
    accounts: Sequence[Account],
    operation: Callable[[Account], Awaitable[Any]],
) -> list[AccountResult]:
    """Run ``operation`` on every account at once; one ``AccountResult`` per account, in order.

    Broker errors become error results. Any other exception is a bug (in an adapter or in
    Ordo); it is logged, and its leg is reported ``unknown`` rather than failing the whole
    response: the other legs' outcomes must still reach the client, and a leg that crashed
    after sending may have taken effect.
    """

    async def one(account: Account) -> AccountResult:
        try:
            data = await operation(account)
        except BrokerError as exc:
            return error_result(account, exc)
        except Exception as exc:
            logger.opt(exception=exc).error("internal error on account {}", account.name)
            return AccountResult(
                account=account.name,
                broker=account.adapter_id,
                status=ResultStatus.UNKNOWN,
                error_code="INTERNAL_ERROR",
                message=f"{account.name}: internal error ({type(exc).__name__}); the outcome "
                "is unknown, check the order book or retry with the same Idempotency-Key",
            )
        if isinstance(data, AccountResult):
            return data
        return AccountResult(
            account=account.name, broker=account.adapter_id, status=ResultStatus.SUCCESS, data=data
        )

    if len(accounts) == 1:
        return [await one(accounts[0])]
    return list(await asyncio.gather(*(one(a) for a in accounts)))


def collate(results: Sequence[AccountResult]) -> tuple[Collated, int]:
    """Overall status and HTTP code of a fanned-out request.

    All success: 200. Mixed: ``partial`` with 207. All failed: ``error`` with the legs'
    common HTTP status when they agree, else 502. Legs whose outcome is unknown are not
    successes; when every leg is unknown the answer is 202 (accepted, outcome pending).
    """
    ok = [r for r in results if r.status is ResultStatus.SUCCESS]
    if results and len(ok) == len(results):
        return "success", 200
    if ok:
        return "partial", 207
    if results and all(r.status is ResultStatus.UNKNOWN for r in results):
        return "error", 202
    codes = {_status_of(r.error_code) for r in results}
    return "error", codes.pop() if len(codes) == 1 else 502


_HTTP_OF_CODE: dict[str, int] = {cls.code: cls.http_status for cls in ALL_ERRORS} | {
    "BROKER_CIRCUIT_OPEN": 503,
    "KILL_SWITCH_ACTIVE": 423,
}


def _status_of(code: str | None) -> int:
    # Pre-trade rejection codes are not broker errors; they are all client-side 422s.
    return _HTTP_OF_CODE.get(code or "", 422)
