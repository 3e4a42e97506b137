"""Algo metadata an API token may carry (issue 17, point 9).

Under the 2026 retail-algo rules the broker tags every API order with an exchange algo ID;
a registered algo passes its own in a broker-specific way (``../shared/brokers/
regulation.md``). Ordo records the token's ``algo_name``/``algo_id`` on every ledger leg and
audit line of its orders, and hands it to adapters that declare ``Capability.ALGO_ID``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AlgoTag:
    """The algo an API token trades for: a name, an exchange-issued id, or both."""

    name: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if self.name is None and self.id is None:
            raise ValueError("an algo tag needs a name or an id")

    def payload(self) -> dict[str, Any]:
        """The tag as an audit line carries it (only the parts that are set)."""
        return {k: v for k, v in (("name", self.name), ("id", self.id)) if v is not None}
