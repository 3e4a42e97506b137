"""Per-request correlation data carried in context variables, so the request id and the
actor reach every log line, audit event and broker call without being threaded through."""

from __future__ import annotations

from contextvars import ContextVar

from ordo.domain.algo import AlgoTag

request_id_var: ContextVar[str | None] = ContextVar("ordo_request_id", default=None)
actor_var: ContextVar[str | None] = ContextVar("ordo_actor", default=None)
algo_var: ContextVar[AlgoTag | None] = ContextVar("ordo_algo", default=None)
"""The algo metadata of the request's API token: on its ledger legs, audit lines and, where
the broker has a field, its orders."""


def current_request_id() -> str | None:
    return request_id_var.get()


def current_actor() -> str | None:
    return actor_var.get()


def current_algo() -> AlgoTag | None:
    return algo_var.get()
