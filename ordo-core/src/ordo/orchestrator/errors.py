"""Request errors the core raises itself; the classes live in ``ordo.errors``.

``OrdoError(code, message, http_status=...)`` here is ``ordo.errors.RequestError`` under
its former name, kept so that callers written against it still construct the same error.
"""

from __future__ import annotations

from ordo.errors import RequestError

OrdoError = RequestError


def unknown_account(name: str, known: list[str]) -> RequestError:
    return RequestError(
        "UNKNOWN_ACCOUNT",
        f"no account named {name!r} is configured (configured: {', '.join(known) or 'none'})",
        http_status=404,
    )


__all__ = ["OrdoError", "RequestError", "unknown_account"]
