"""Errors the core raises itself (as opposed to broker errors): each carries the error code
and HTTP status the API answers with."""

from __future__ import annotations

from typing import Any


class OrdoError(Exception):
    """A global (non-broker) error: auth, validation, unknown account, kill switch..."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 400,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details
        self.headers = headers or {}


def unknown_account(name: str, known: list[str]) -> OrdoError:
    return OrdoError(
        "UNKNOWN_ACCOUNT",
        f"no account named {name!r} is configured (configured: {', '.join(known) or 'none'})",
        http_status=404,
    )
