"""Who is calling: the ``apikey`` matched in constant time, and the key's analyzer mode."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from ordo_openalgo.config import FacadeKey, OpenAlgoConfig
from ordo_openalgo.errors import FacadeError

INVALID_KEY = "Invalid openalgo apikey"


@dataclass
class Caller:
    """A matched key: its index (a stable, non-secret id), settings and analyzer state."""

    index: int
    key: FacadeKey
    analyze: bool
    analyzer_orders: int = 0

    @property
    def scope(self) -> str:
        """The Ordo token name orders carry (audit actor, idempotency scope)."""
        return self.key.token


@dataclass
class KeyRing:
    """The configured keys. Each lookup compares against every key so that the time taken
    does not depend on which key (if any) matched."""

    config: OpenAlgoConfig
    _callers: list[Caller] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._callers = [
            Caller(index, key, analyze=key.analyzer) for index, key in enumerate(self.config.keys)
        ]

    def match(self, presented: object) -> Caller:
        if not isinstance(presented, str) or not presented:
            raise FacadeError("apikey is required", 400)
        given = presented.encode("utf-8", "surrogatepass")
        found: Caller | None = None
        for caller in self._callers:
            expected = caller.key.apikey.get_secret_value().encode("utf-8")
            if hmac.compare_digest(given, expected):
                found = caller
        if found is None:
            raise FacadeError(INVALID_KEY, 403)
        return found

    def secrets(self) -> list[str]:
        return [k.apikey.get_secret_value() for k in self.config.keys]
