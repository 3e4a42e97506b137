"""The facade's state: its config, keys, alert window and the smart-order locks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ordo.orchestrator.unit_of_work import Ticket

from ordo_openalgo.alerts import AlertWindow, body_digest, client_key
from ordo_openalgo.config import OpenAlgoConfig
from ordo_openalgo.keys import Caller, KeyRing

IGNORED_IN_FINGERPRINT = frozenset({"apikey", "idempotency_key"})


@dataclass
class Facade:
    config: OpenAlgoConfig
    keys: KeyRing = field(init=False)
    window: AlertWindow = field(init=False)
    _position_locks: dict[tuple[str, str, str, str], asyncio.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys = KeyRing(self.config)
        self.window = AlertWindow(self.config.duplicate_window_seconds)

    def position_lock(self, account: str, exchange: str, symbol: str, product: str) -> asyncio.Lock:
        """One lock per account and position: two smart orders on one position run one after
        the other, so the second sees the position the first left. (Per process.)"""
        return self._position_locks.setdefault((account, exchange, symbol, product), asyncio.Lock())

    def ticket(
        self,
        caller: Caller,
        request_id: str,
        endpoint: str,
        raw: dict[str, Any],
        header_key: str | None,
        *,
        dedupe: bool = True,
    ) -> Ticket:
        """The Ordo ticket of a write: the caller's token as scope, the client's key or the
        alert window's, and the body without the apikey (never stored, never hashed)."""
        body = {k: v for k, v in raw.items() if k not in IGNORED_IN_FINGERPRINT}
        given = raw.get("idempotency_key") or header_key
        if isinstance(given, str) and given:
            key: str | None = client_key(caller.index, given)
        elif dedupe:
            key = self.window.key(caller.index, body_digest(endpoint, body))
        else:
            key = None
        return Ticket(caller.scope, key, request_id, "POST", endpoint, body)
