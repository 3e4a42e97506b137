"""Named broker accounts: one adapter instance each, plus its per-account safety state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ordo.adapters.base import BrokerAdapter
from ordo.egress.state import EgressObservation
from ordo.errors import OrdoError, means_broker_down
from ordo.orchestrator.errors import unknown_account
from ordo.safety.breaker import AccountBreaker
from ordo.safety.limiter import AccountLimiter


@dataclass
class CallRecord:
    """The last broker call of an account, for ``/status``."""

    operation: str
    at: datetime
    outcome: str
    error_code: str | None = None
    broker_down: bool = False
    """The error said the broker could not be reached or did not answer properly
    (``ordo.errors.means_broker_down``)."""

    @classmethod
    def failed(cls, operation: str, at: datetime, error: OrdoError) -> CallRecord:
        """The record of a call that failed with ``error``."""
        return cls(operation, at, "error", error.code, means_broker_down(error))


@dataclass
class Account:
    """One configured account and what the core tracks about it."""

    name: str
    adapter: BrokerAdapter
    breaker: AccountBreaker | None = None
    limiter: AccountLimiter | None = None
    last_call: CallRecord | None = None
    last_success: datetime | None = None
    egress: EgressObservation | None = None
    """The account's egress and its last observed IP (``ordo.egress.monitor``); ``None``
    when the account has no ``egress`` configured."""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def adapter_id(self) -> str:
        return self.adapter.id


class AccountSet:
    """The configured accounts, addressed by name."""

    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        self._accounts = {a.name: a for a in accounts}

    def add(self, account: Account) -> None:
        self._accounts[account.name] = account

    def names(self) -> list[str]:
        return list(self._accounts)

    def get(self, name: str) -> Account:
        try:
            return self._accounts[name]
        except KeyError:
            raise unknown_account(name, self.names()) from None

    def select(self, names: Sequence[str] | None) -> list[Account]:
        """The named accounts in request order (all of them when ``names`` is empty)."""
        if not names:
            return list(self._accounts.values())
        unique = list(dict.fromkeys(names))
        return [self.get(n) for n in unique]

    def __iter__(self) -> Iterator[Account]:
        return iter(self._accounts.values())

    def __len__(self) -> int:
        return len(self._accounts)


def parse_account_list(value: str | None) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]``; empty or ``None`` -> all accounts."""
    if not value:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]
