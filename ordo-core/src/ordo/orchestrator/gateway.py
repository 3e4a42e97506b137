"""Every adapter call passes through here: audit of the broker request and response, the
account's last-call bookkeeping for ``/status``, and (for the order path) the safety layer."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from ordo.adapters.errors import BrokerError, SessionExpired
from ordo.audit.events import AuditEmitter
from ordo.orchestrator.accounts import Account, CallRecord

T = TypeVar("T")


class CallKind(StrEnum):
    READ = "read"
    QUOTE = "quote"
    ORDER = "order"
    CANCEL = "cancel"
    LOGIN = "login"


SessionExpiredListener = Callable[[Account, SessionExpired], Awaitable[None]]


class BrokerGateway:
    """Wraps adapter calls with audit and bookkeeping."""

    def __init__(self, emitter: AuditEmitter) -> None:
        self.emitter = emitter
        self.session_expired_listeners: list[SessionExpiredListener] = []

    async def call(
        self,
        account: Account,
        operation: str,
        fn: Callable[[], Awaitable[T]],
        *,
        kind: CallKind = CallKind.READ,
        audit: dict[str, Any] | None = None,
    ) -> T:
        started = time.perf_counter()
        self.emitter.emit(
            "broker.request",
            account=account.name,
            operation=operation,
            call_kind=kind.value,
            **(audit or {}),
        )
        try:
            result = await fn()
        except BrokerError as exc:
            self._record(account, operation, "error", exc.code)
            self.emitter.emit(
                "broker.response",
                account=account.name,
                operation=operation,
                outcome="error",
                error_code=exc.code,
                message=exc.message,
                broker_code=exc.broker_code,
                elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
            )
            if isinstance(exc, SessionExpired):
                for listener in self.session_expired_listeners:
                    await listener(account, exc)
            raise
        self._record(account, operation, "success", None)
        self.emitter.emit(
            "broker.response",
            account=account.name,
            operation=operation,
            outcome="success",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        return result

    @staticmethod
    def _record(account: Account, operation: str, outcome: str, code: str | None) -> None:
        now = datetime.now(UTC)
        account.last_call = CallRecord(
            operation=operation, at=now, outcome=outcome, error_code=code
        )
        if outcome == "success":
            account.last_success = now
