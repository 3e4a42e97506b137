"""Scripted exchanges: drive the shared protocol with hand-made responses, no server."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx
from ordo_client import OrderRequest, RetryPolicy
from ordo_client.config import ClientConfig, resolve_config
from ordo_client.protocol import Outcome, Sleep, Step

ORDER = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1)


def config(max_attempts: int = 4, **kw: Any) -> ClientConfig:
    return resolve_config(
        "http://gw.test/",
        "sekret-token",
        timeout=None,
        verify=True,
        cert=None,
        retry=RetryPolicy(max_attempts=max_attempts, backoff=0.1, seed=7, **kw),
        user_agent="test",
        env={},
    )


def envelope_response(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error_body(code: str, message: str = "nope", rid: str = "rid-1") -> dict[str, Any]:
    return {"status": "error", "request_id": rid, "error_code": code, "message": message}


def placed(account: str = "paper", oid: str = "PB1") -> dict[str, Any]:
    return {
        "account": account,
        "broker": "mock",
        "status": "success",
        "data": {"order_id": oid, "status": "OPEN", "tag": "OABC", "message": ""},
    }


def failed_leg(account: str, code: str, data: Any = None) -> dict[str, Any]:
    return {
        "account": account,
        "broker": "mock",
        "status": "error",
        "error_code": code,
        "message": f"{account}: failed",
        "data": data,
    }


def fanout_body(status: str, legs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": status, "request_id": "rid-f", "results": legs, "message": ""}


class Driver:
    """Drives ``exchange`` with scripted outcomes, recording requests and sleeps."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def run(self, gen: Generator[Step, Outcome, Any]) -> Any:
        step = next(gen)
        while True:
            try:
                if isinstance(step, Sleep):
                    self.sleeps.append(step.seconds)
                    step = gen.send(None)
                    continue
                self.requests.append(step)
                outcome = self.outcomes.pop(0)
                if isinstance(outcome, httpx.Response):
                    outcome.request = step
                step = gen.send(outcome)
            except StopIteration as done:
                return done.value


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("refused")


def read_error() -> httpx.ReadError:
    return httpx.ReadError("reset")
