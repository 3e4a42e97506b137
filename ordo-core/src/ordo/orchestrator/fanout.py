"""Concurrent fan-out of one operation over several accounts, and collation of the results
into one response with partial success (FR8-FR12)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from loguru import logger

from ordo.domain import AccountResult, ResultStatus
from ordo.errors import Effect, InternalError, OrdoError
from ordo.orchestrator.accounts import Account

Collated = Literal["success", "partial", "error"]


def error_result(account: Account, exc: OrdoError, *, data: Any = None) -> AccountResult:
    """A leg's error as its result: the error's class decides whether the outcome is
    ``unknown`` (it may have reached the broker) or a final ``error``."""
    return AccountResult(
        account=account.name,
        broker=account.adapter_id,
        status=ResultStatus.UNKNOWN if exc.effect is Effect.UNKNOWN else ResultStatus.ERROR,
        error_code=exc.code,
        message=f"{account.name}: {exc.message}",
        retryable=exc.client_may_retry,
        http_status=exc.http_status,
        data=data,
    )


def internal_error(account: Account, exc: Exception) -> InternalError:
    """A bug in Ordo's own code (or an adapter breaking its contract) before any broker
    call: logged with its traceback, answered as a final error."""
    logger.opt(exception=exc).error("internal error on account {}", account.name)
    return InternalError(
        f"internal error ({type(exc).__name__}) before anything reached the broker; "
        "nothing was sent, quote the request id when reporting it"
    )


async def fan_out(
    accounts: Sequence[Account],
    operation: Callable[[Account], Awaitable[Any]],
) -> list[AccountResult]:
    """Run ``operation`` on every account at once; one ``AccountResult`` per account, in order.

    Ordo's errors become error results, as their class says. Any other exception is a bug
    (in an adapter or in Ordo); it is logged and its leg reported as ``INTERNAL_ERROR``
    rather than failing the whole response: the other legs' outcomes must still reach the
    client. An operation that may crash after a broker call (placing an order) turns such
    a crash into an error whose effect is ``unknown`` itself.
    """

    async def one(account: Account) -> AccountResult:
        try:
            data = await operation(account)
        except OrdoError as exc:
            return error_result(account, exc)
        except Exception as exc:
            return error_result(account, internal_error(account, exc))
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
    codes = {r.http_status or 502 for r in results}
    return "error", codes.pop() if len(codes) == 1 else 502


def is_final(results: Sequence[AccountResult]) -> bool:
    """Whether a request's outcome is its final word, to be stored and replayed for its
    idempotency key.

    It is not when a leg's outcome is unknown, or when every leg failed in a way that
    proves nothing happened (retryable): a retry with the same key then runs again, and each
    leg is first reconciled by its tag, so nothing is placed twice.
    """
    if not results:
        return True
    if any(r.status is ResultStatus.UNKNOWN for r in results):
        return False
    return not all(r.status is ResultStatus.ERROR and r.retryable for r in results)


@dataclass(frozen=True)
class Reply:
    """A rendered response: what the client receives, and what an idempotency key stores
    and replays."""

    status_code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def collated_body(
    request_id: str, results: Sequence[AccountResult], *, message: str = ""
) -> tuple[int, dict[str, Any]]:
    """HTTP status and envelope of a fanned-out request (``collate`` decides both)."""
    status, status_code = collate(results)
    ok = sum(1 for r in results if r.status is ResultStatus.SUCCESS)
    return status_code, {
        "status": status,
        "request_id": request_id,
        "results": [r.model_dump(mode="json") for r in results],
        "message": message or f"{ok} of {len(results)} accounts succeeded",
    }


def render(request_id: str, results: Sequence[AccountResult]) -> Reply:
    """The collated response as bytes, exactly as ``JSONResponse`` would render it."""
    status_code, body = collated_body(request_id, results)
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return Reply(status_code, text.encode("utf-8"))
