"""The facade's router: OpenAlgo's paths under ``/api/v1/``, each authenticated by the
``apikey`` in its body (or query), validated, run through Ordo's services and answered in
OpenAlgo's shapes, errors included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from ordo.api.errors import request_id_of
from ordo.config import token_algo
from ordo.context import actor_var, algo_var
from ordo.errors import OrdoError
from ordo.orchestrator.unit_of_work import Ticket
from pydantic import BaseModel, ValidationError

from ordo_openalgo import bodies, books, exits, market, orders
from ordo_openalgo.common import Services
from ordo_openalgo.errors import FacadeError, error_response, from_ordo, from_validation
from ordo_openalgo.facade import Facade
from ordo_openalgo.keys import Caller

B = TypeVar("B", bound=BaseModel)
Answer = tuple[dict[str, Any], int]
Read = Callable[[Facade, Services, Caller, Any], Awaitable[Answer]]
Write = Callable[[Facade, Services, Caller, Any, Ticket], Awaitable[Answer]]

IN_FLIGHT_WAIT_SECONDS = 0.05
IN_FLIGHT_ATTEMPTS = 200
"""A duplicate alert arriving while the first is still placing waits for its answer (up to
~10 s, Ordo's default request deadline) rather than failing."""

READS: dict[str, tuple[type[BaseModel], Read]] = {
    "orderstatus": (bodies.OrderId, books.order_status),
    "openposition": (bodies.OpenPosition, books.open_position),
    "orderbook": (bodies.Body, books.order_book),
    "tradebook": (bodies.Body, books.trade_book),
    "positionbook": (bodies.Body, books.position_book),
    "holdings": (bodies.Body, books.holdings),
    "funds": (bodies.Body, books.funds),
    "quotes": (bodies.SymbolQuery, market.quotes),
    "multiquotes": (bodies.MultiQuotes, market.multi_quotes),
    "search": (bodies.Search, market.search),
    "symbol": (bodies.SymbolQuery, market.symbol),
    "expiry": (bodies.Expiry, market.expiry),
    "ping": (bodies.Body, market.ping),
    "analyzer": (bodies.Body, market.analyzer_status),
    "analyzer/toggle": (bodies.AnalyzerToggle, market.analyzer_toggle),
}
WRITES: dict[str, tuple[type[BaseModel], Write, bool]] = {
    # name: (body, handler, de-duplicated by the alert window)
    "placeorder": (bodies.PlaceOrder, orders.place, True),
    "placesmartorder": (bodies.SmartOrder, orders.smart, True),
    "basketorder": (bodies.BasketOrder, orders.basket, True),
    "splitorder": (bodies.SplitOrder, orders.split, True),
    "modifyorder": (bodies.ModifyOrder, orders.modify, True),
    "cancelorder": (bodies.OrderId, orders.cancel, False),
    "cancelallorder": (bodies.Body, orders.cancel_all, False),
    "closeposition": (bodies.Body, exits.close_positions, False),
}
GET_TOO = frozenset(
    {"orderbook", "tradebook", "positionbook", "holdings", "funds", "ping", "analyzer"}
)
"""Reads that also answer GET with the apikey in the query (as OpenAlgo's browser-friendly
reads do); everything else is POST with a JSON body."""


async def _payload(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query_params)
    try:
        data = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FacadeError("the request body must be JSON") from None
    if not isinstance(data, dict):
        raise FacadeError("the request body must be a JSON object with an apikey")
    return data


async def _authenticated(facade: Facade, request: Request) -> tuple[Caller, dict[str, Any]]:
    data = await _payload(request)
    caller = facade.keys.match(data.get("apikey"))
    # Orders and audit events carry the Ordo token's identity, never the apikey.
    actor_var.set(caller.scope)
    # The Ordo token's algo metadata goes with its orders, as on Ordo's own API.
    algo_var.set(token_algo(request.app.state.ordo.tokens, caller.scope))
    request.state.actor = caller.scope
    return caller, data


def _respond(answer: Answer) -> JSONResponse:
    body, status = answer
    return JSONResponse(body, status_code=status)


def read_endpoint(
    facade: Facade, model: type[BaseModel], handler: Read
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            caller, data = await _authenticated(facade, request)
            body = model.model_validate(data)
            return _respond(await handler(facade, await Services.of(request), caller, body))
        except FacadeError as exc:
            return error_response(exc)
        except ValidationError as exc:
            return error_response(from_validation(exc))
        except OrdoError as exc:
            return error_response(from_ordo(exc))

    return endpoint


def write_endpoint(
    facade: Facade, name: str, model: type[BaseModel], handler: Write, dedupe: bool
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            caller, data = await _authenticated(facade, request)
            body = model.model_validate(data)
            svc = await Services.of(request)
            ticket = facade.ticket(
                caller,
                request_id_of(request),
                f"{facade.config.prefix}/api/v1/{name}",
                data,
                request.headers.get("idempotency-key"),
                dedupe=dedupe,
            )
            for _ in range(IN_FLIGHT_ATTEMPTS):
                try:
                    return _respond(await handler(facade, svc, caller, body, ticket))
                except OrdoError as exc:
                    if exc.code != "IDEMPOTENCY_IN_FLIGHT":
                        raise
                    await asyncio.sleep(IN_FLIGHT_WAIT_SECONDS)
            raise FacadeError("an identical request is still being processed; retry shortly", 409)
        except FacadeError as exc:
            return error_response(exc)
        except ValidationError as exc:
            return error_response(from_validation(exc))
        except OrdoError as exc:
            return error_response(from_ordo(exc))

    return endpoint


def build_router(facade: Facade) -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for name, (model, read) in READS.items():
        methods = ["GET", "POST"] if name in GET_TOO else ["POST"]
        router.add_api_route(
            f"/{name}", read_endpoint(facade, model, read), methods=methods, name=f"openalgo_{name}"
        )
    for name, (model, write, dedupe) in WRITES.items():
        router.add_api_route(
            f"/{name}",
            write_endpoint(facade, name, model, write, dedupe),
            methods=["POST"],
            name=f"openalgo_{name.replace('/', '_')}",
        )
    return router
