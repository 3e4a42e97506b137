"""No schema drift: the client's routes, request bodies, models and enums are held against
the live server's OpenAPI document, and its models against live responses (for endpoints
whose OpenAPI schema is untyped)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import pytest
from ordo_client import (
    AsyncOrdo,
    CancelledOnAccount,
    ExitsOnAccount,
    Funds,
    Holding,
    Instrument,
    KillSwitchChange,
    LoginStep,
    Order,
    OrderDetail,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    PlacedOrder,
    Position,
    PositionExit,
    Profile,
    Quote,
    SentOrder,
    SlicedOrder,
    SliceOutcome,
    SymbolError,
    Trade,
    enums,
)
from ordo_client import endpoints as api
from ordo_client.endpoints import ROUTES, Route
from ordo_client.models import ResponseModel
from ordo_client.results import AccountResult, FanoutResult
from pydantic import BaseModel

from .conftest import TOKEN, build_app

API_ROOTS = ("/api/", "/health")

# Endpoints of the v1 contract the server did not serve yet when this test was written. The
# client speaks them already; each is checked like any other as soon as the server has it.
PENDING = {
    ("GET", "/api/v1/status"),
    ("GET", "/api/v1/audit"),
}

# Server schema -> client model whose field names must match exactly.
MODELS: dict[str, type[BaseModel]] = {
    "Funds": Funds,
    "Holding": Holding,
    "Position": Position,
    "Quote": Quote,
    "Instrument": Instrument,
    "Order": Order,
    "OrderDetail": OrderDetail,
    "OrderModification": OrderModification,
    "Trade": Trade,
    "Profile": Profile,
    "SymbolError": SymbolError,
    "CancelledOnAccount": CancelledOnAccount,
    "ExitsOnAccount": ExitsOnAccount,
    "PositionExit": PositionExit,
    "OrderHistoryEntry": OrderHistoryEntry,
    "OrderAckData": PlacedOrder,
    "SlicedLeg": SlicedOrder,
    "SliceResult": SliceOutcome,
    "SentForm": SentOrder,
}
# Fields the client derives itself; they are never on the wire (``sliced_order`` is a
# sliced leg's ``data``, parsed apart from a PlacedOrder).
CLIENT_ONLY = {"details", "http_status", "idempotency_key", "sliced_order"}
# A login step carries only the member of its state: a challenge or a session.
OPTIONAL_ON_WIRE: dict[type[BaseModel], set[str]] = {LoginStep: {"challenge", "session"}}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_app(tmp_path_factory.mktemp("drift")).openapi()


def server_operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, ops in spec["paths"].items()
        if path.startswith(API_ROOTS)
        for method, op in ops.items()
    }


def params(op: dict[str, Any], where: str) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == where}


def schema(spec: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    found: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def body_fields(spec: dict[str, Any], op: dict[str, Any]) -> set[str] | None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    return set(schema(spec, content["schema"]).get("properties", {}))


def fields(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()} - CLIENT_ONLY


def test_every_client_route_exists_on_the_server(spec: dict[str, Any]) -> None:
    server = server_operations(spec)
    missing = [
        (r.method, r.path)
        for r in ROUTES
        if (r.method, r.path) not in server and (r.method, r.path) not in PENDING
    ]
    assert missing == []


def test_every_server_route_has_a_client_route(spec: dict[str, Any]) -> None:
    ours = {(r.method, r.path) for r in ROUTES}
    assert sorted(set(server_operations(spec)) - ours) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_parameters_match(spec: dict[str, Any], route: Route) -> None:
    op = server_operations(spec).get((route.method, route.path))
    if op is None:
        assert (route.method, route.path) in PENDING
        return
    assert params(op, "query") == set(route.query)
    assert params(op, "path") == {
        part[1:-1] for part in route.path.split("/") if part.startswith("{")
    }
    assert ("Idempotency-Key" in params(op, "header")) == route.keyed


def test_place_order_body_matches(spec: dict[str, Any]) -> None:
    op = server_operations(spec)[("POST", "/api/v1/orders")]
    assert body_fields(spec, op) == fields(OrderRequest) | {"accounts"}


def test_modify_order_body_matches(spec: dict[str, Any]) -> None:
    op = server_operations(spec)[("PATCH", "/api/v1/orders/{account}/{order_id}")]
    assert body_fields(spec, op) == fields(OrderModification)


def test_kill_switch_bodies_match(spec: dict[str, Any]) -> None:
    ops = server_operations(spec)
    on = api.engage_kill_switch("why", cancel_open_orders=True)
    off = api.release_kill_switch("fixed")
    assert body_fields(spec, ops[("POST", "/api/v1/kill-switch")]) == set(on.body)
    assert body_fields(spec, ops[("DELETE", "/api/v1/kill-switch")]) == set(off.body)


def test_login_answer_body_matches(spec: dict[str, Any]) -> None:
    op = server_operations(spec)[("POST", "/api/v1/accounts/{account}/login/{challenge_id}")]
    assert body_fields(spec, op) == {"answer"}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_fields_match_server_schema(spec: dict[str, Any], name: str) -> None:
    server = set(spec["components"]["schemas"][name]["properties"])
    assert fields(MODELS[name]) == server


def test_fanout_envelope_fields_match(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert fields(FanoutResult[Funds]) - {"data"} == set(
        schemas["FanoutEnvelope_Funds_"]["properties"]
    )
    assert fields(AccountResult[Funds]) == set(schemas["AccountResultOf_Funds_"]["properties"])


@pytest.mark.parametrize(
    "enum",
    [
        enums.Exchange,
        enums.InstrumentType,
        enums.Side,
        enums.OrderType,
        enums.Product,
        enums.Validity,
        enums.OrderStatus,
    ],
    ids=lambda e: e.__name__,
)
def test_enum_values_match(spec: dict[str, Any], enum: type[StrEnum]) -> None:
    server = spec["components"]["schemas"][enum.__name__]["enum"]
    assert [e.value for e in enum] == server


def exact(model: BaseModel, path: str = "") -> list[str]:
    """Where a parsed response and its model disagree: fields the server sent that the
    model lacks, or model fields the server did not send."""
    problems: list[str] = []
    if isinstance(model, ResponseModel | AccountResult):
        extra = set(model.model_extra or {})
        problems += [f"{path}{name}: sent by the server, unknown to the client" for name in extra]
        unsent = (
            set(type(model).model_fields)
            - model.model_fields_set
            - CLIENT_ONLY
            - OPTIONAL_ON_WIRE.get(type(model), set())
        )
        problems += [f"{path}{name}: in the client model, not sent" for name in unsent]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            problems += exact(value, f"{path}{name}.")
        elif isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, BaseModel):
                    problems += exact(child, f"{path}{name}[{i}].")
    return problems


async def test_live_responses_match_client_models(tmp_path: Path) -> None:
    """Endpoints whose OpenAPI schema is untyped (``dict``) are checked on real answers."""
    app = build_app(tmp_path, {"paper": {}, "otp": {"login_otp": "111111"}})
    async with (
        app.router.lifespan_context(app),
        AsyncOrdo(
            "http://gateway.test", token=TOKEN, transport=httpx.ASGITransport(app=app)
        ) as ordo,
    ):
        buy = OrderRequest(exchange="NSE", symbol="SBIN", side="BUY", quantity=1)
        placed = await ordo.place_order(buy, ["paper"])
        order_id = placed.order_ids()["paper"]
        limit = OrderRequest(
            exchange="NSE",
            symbol="SBIN",
            side="BUY",
            quantity=1,
            order_type="LIMIT",
            price="1.00",
        )
        resting = (await ordo.place_order(limit, ["paper"])).order_ids()["paper"]
        await ordo.place_order(limit, ["paper"])  # left open for the kill switch to cancel
        step = await ordo.login("otp")
        assert step.challenge is not None
        samples: list[BaseModel] = [
            await ordo.health(),
            *(await ordo.accounts()),
            *(await ordo.plugins()),
            step,
            await ordo.answer_challenge("otp", step.challenge.challenge_id, "111111"),
            placed,
            await ordo.get_order("paper", order_id),
            await ordo.portfolio("paper"),
            await ordo.modify_order("paper", resting, OrderModification(price="1.05")),
            await ordo.cancel_order("paper", resting),
            await ordo.logout("otp"),
            await ordo.request_trace(placed.request_id),
            await ordo.kill_switch(),
            await ordo.engage_kill_switch("drift test", cancel_open_orders=True),
            await ordo.release_kill_switch("done"),
        ]
        engaged = samples[-2]
        assert isinstance(engaged, KillSwitchChange)
        assert engaged.cancelled, "the open order was not cancelled"
    problems = [p for sample in samples for p in exact(sample, f"{type(sample).__name__}.")]
    assert problems == [], "\n".join(problems)
