"""Bearer-token authentication (NFR19): several named tokens, constant-time comparison."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ordo.config import match_token, token_algo
from ordo.context import actor_var, algo_var
from ordo.orchestrator.errors import OrdoError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ordo"'}


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def require_token(request: Request) -> str:
    """The name of the API token the request presented; 401 in the envelope otherwise."""
    token = presented_token(request)
    if token is None:
        raise OrdoError(
            "UNAUTHORIZED",
            "missing bearer token: send 'Authorization: Bearer <token>'",
            http_status=401,
            headers=_CHALLENGE,
        )
    tokens = request.app.state.ordo.tokens
    name = match_token(tokens, token)
    if name is None:
        raise OrdoError(
            "UNAUTHORIZED", "the bearer token is not valid", http_status=401, headers=_CHALLENGE
        )
    actor_var.set(name)
    algo_var.set(token_algo(tokens, name))
    request.state.actor = name
    return name


Principal = Annotated[str, Depends(require_token)]
