"""Per-request correlation data carried in context variables, so the request id and the
actor reach every log line, audit event and broker call without being threaded through."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("ordo_request_id", default=None)
actor_var: ContextVar[str | None] = ContextVar("ordo_actor", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def current_actor() -> str | None:
    return actor_var.get()
