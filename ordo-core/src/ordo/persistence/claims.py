"""What an idempotency claim returns: its status and the record's columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ordo.persistence.tables import IdempotencyRecord


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    """This caller owns the key: go ahead, then ``complete`` or ``release``."""
    IN_FLIGHT = "in_flight"
    """Another request with this key and body is running (answer 409, retry later)."""
    COMPLETED = "completed"
    """Already done: replay the stored response."""
    MISMATCH = "mismatch"
    """The key was used with a different body (answer 422)."""


@dataclass(frozen=True)
class ClaimResult:
    status: ClaimStatus
    values: dict[str, Any]
    """The record's columns (those of the new claim, or of the row found)."""

    @property
    def record(self) -> IdempotencyRecord:
        """The record as a model, built on demand (the order path never needs it)."""
        return IdempotencyRecord(**self.values)

    @property
    def status_code(self) -> int | None:
        """The stored HTTP status (``COMPLETED`` only)."""
        code = self.values.get("status_code")
        return code if self.status is ClaimStatus.COMPLETED else None

    @property
    def response_body(self) -> str | None:
        """The stored response as JSON text (``COMPLETED`` only)."""
        body = self.values.get("response_body")
        return body if self.status is ClaimStatus.COMPLETED else None

    def response(self) -> Any:
        """The stored response parsed (``COMPLETED`` only, else ``None``)."""
        body = self.response_body
        return None if body is None else json.loads(body)


def body_text(body: Any) -> str:
    """The stored form of a response body: JSON text."""
    if isinstance(body, bytes):
        return body.decode("utf-8")
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), default=str)
