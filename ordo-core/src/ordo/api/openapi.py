"""The OpenAPI document as a contract: a bearer security scheme (so "Try it out" on /docs
sends a token), every operation's real error responses in the envelope with examples, and
typed ``data`` for every success response.

The routes declare what they accept; this module adds what they answer, by operation id,
after FastAPI has generated the document. Keeping it in one table makes the contract easy
to review, and the schemathesis run in the test suite checks every response against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ordo.api import envelope
from ordo.api import schemas as s
from ordo.api.auth import require_token
from ordo.domain import AccountResult
from ordo.domain.slicing import SlicedLeg

SECURITY_SCHEME = "bearerAuth"
REF = "#/components/schemas/{model}"


# -- typed success envelopes (concrete names for the document) ------------------------------
class HealthEnvelope(envelope.Envelope[s.Health]):
    pass


class AccountsEnvelope(envelope.Envelope[list[s.AccountInfo]]):
    pass


class LoginStepEnvelope(envelope.Envelope[s.LoginStep]):
    pass


class KillSwitchEnvelope(envelope.Envelope[s.KillSwitchInfo]):
    pass


class RequestTraceEnvelope(envelope.Envelope[s.RequestTrace]):
    pass


class StatusEnvelope(envelope.Envelope[s.GatewayStatus]):
    pass


class AuditPageEnvelope(envelope.Envelope[s.AuditPage]):
    pass


class PluginsEnvelope(envelope.Envelope[list[s.PluginInfo]]):
    pass


class OrderAckFanout(envelope.FanoutEnvelope[s.OrderAckData]):
    pass


class PlaceOrderFanout(envelope.FanoutEnvelope[s.OrderAckData | SlicedLeg]):
    """Each account's leg: one order (``OrderAckData``), or, sent with ``slice`` above the
    exchange's freeze quantity, its child orders (``SlicedLeg``)."""


class CancelAllFanout(envelope.FanoutEnvelope[s.CancelledOnAccount]):
    pass


class ExitPositionsFanout(envelope.FanoutEnvelope[s.ExitsOnAccount]):
    pass


class PortfolioFanout(envelope.FanoutEnvelope[dict[str, Any]]):
    data: s.ConsolidatedPortfolio | None = None


class FanoutError(envelope.FanoutEnvelope[Any]):
    """Every account's leg failed (or none could be decided): each leg says why."""


SUCCESS_MODELS: dict[str, type[BaseModel]] = {
    "get_health": HealthEnvelope,
    "list_accounts": AccountsEnvelope,
    "begin_login": LoginStepEnvelope,
    "answer_challenge": LoginStepEnvelope,
    "resend_challenge": LoginStepEnvelope,
    "logout": LoginStepEnvelope,
    "get_kill_switch": KillSwitchEnvelope,
    "activate_kill_switch": KillSwitchEnvelope,
    "deactivate_kill_switch": KillSwitchEnvelope,
    "get_request": RequestTraceEnvelope,
    "get_status": StatusEnvelope,
    "query_audit": AuditPageEnvelope,
    "list_plugins": PluginsEnvelope,
    "place_order": PlaceOrderFanout,
    "modify_order": OrderAckFanout,
    "cancel_order": OrderAckFanout,
    "cancel_all_orders": CancelAllFanout,
    "exit_positions": ExitPositionsFanout,
    "get_portfolio": PortfolioFanout,
}
"""Operations whose route declares a free-form ``data``; the others are typed at the route."""

FANOUT_READS = frozenset(
    {
        "get_funds",
        "get_holdings",
        "get_positions",
        "get_portfolio",
        "get_quotes",
        "search_instruments",
        "list_orders",
        "list_trades",
        "get_profile",
    }
)
ORDER_WRITES = frozenset(
    {"place_order", "modify_order", "cancel_order", "cancel_all_orders", "exit_positions"}
)
LOGIN_STEPS = frozenset({"begin_login", "answer_challenge", "resend_challenge", "logout"})
BROKER_CALLS = (
    FANOUT_READS
    | ORDER_WRITES
    | LOGIN_STEPS
    | {"get_order", "get_order_history", "activate_kill_switch"}
)

ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("Malformed JSON body", "MALFORMED_JSON", "body: the request body is not valid JSON"),
    401: (
        "Missing or wrong bearer token, or the broker session ended",
        "UNAUTHORIZED",
        "missing bearer token: send 'Authorization: Bearer <token>'",
    ),
    403: (
        "The account's egress IP is not one the broker has on file: refused before sending "
        "(egress drift under on_drift: block) or by the broker",
        "IP_NOT_WHITELISTED",
        "account 'x' leaves from 192.0.2.9, not from a registered IP (203.0.113.10)",
    ),
    404: ("No such account, order or request", "UNKNOWN_ACCOUNT", "no account named 'x'"),
    409: (
        "The same Idempotency-Key is still being processed; retry after Retry-After",
        "IDEMPOTENCY_IN_FLIGHT",
        "a request with this Idempotency-Key is still in flight",
    ),
    410: ("The login challenge expired", "CHALLENGE_EXPIRED", "challenge expired; start again"),
    415: (
        "The body is not sent as application/json",
        "UNSUPPORTED_MEDIA_TYPE",
        "send the body as JSON with 'Content-Type: application/json'",
    ),
    422: ("The request is invalid as it stands", "VALIDATION_ERROR", "quantity: must be > 0"),
    423: (
        "The kill switch is on: new and modified orders are refused",
        "KILL_SWITCH_ACTIVE",
        "the kill switch is on",
    ),
    429: ("Rate limited; retry after Retry-After", "RATE_LIMITED", "rate limit reached"),
    502: ("The broker failed, or the accounts failed differently", "BROKER_ERROR", "broker error"),
    503: (
        "The broker is unavailable or the account's circuit breaker is open",
        "BROKER_UNAVAILABLE",
        "broker unavailable; the request did not take effect",
    ),
    504: (
        "The broker did not answer in time; the outcome may be unknown",
        "OUTCOME_UNKNOWN",
        "no answer within the deadline",
    ),
}


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the enriched document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            enrich(document, secured_operations(app.routes))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def secured_operations(routes: Iterable[Any]) -> set[str]:
    """Operation ids whose route needs a bearer token (a ``require_token`` dependency, or
    a call to it in the body, as ``/status`` and ``/metrics`` make unless public)."""
    secured = {"get_status", "get_metrics"}
    for route in api_routes(routes):
        if _depends_on(route.dependant, require_token):
            secured.add(route.operation_id or route.name)
    return secured


def api_routes(routes: Iterable[Any]) -> Iterable[APIRoute]:
    """Every ``APIRoute``, including those of included routers (which FastAPI may keep
    nested rather than copied into the app's route list)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from api_routes(nested.routes)


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def enrich(document: dict[str, Any], secured: set[str]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from ORDO_API_TOKEN or ORDO_API_TOKENS.",
    }
    schemas = components.setdefault("schemas", {})
    refs = _register_models(schemas)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method.lower() not in {"get", "post", "put", "patch", "delete"}:
                continue
            _enrich_operation(operation, secured, refs)


def _register_models(schemas: dict[str, Any]) -> dict[str, dict[str, str]]:
    models: list[type[BaseModel]] = [
        *dict.fromkeys(SUCCESS_MODELS.values()),
        envelope.ErrorEnvelope,
        FanoutError,
        AccountResult,
    ]
    mapping, top = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    schemas.update(top.get("$defs", {}))
    return {m.__name__: mapping[(m, "serialization")] for m in models}


def _enrich_operation(
    operation: dict[str, Any], secured: set[str], refs: dict[str, dict[str, str]]
) -> None:
    op_id = str(operation.get("operationId", ""))
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if op_id in secured:
        operation["security"] = [{SECURITY_SCHEME: []}]
        if op_id == "get_status":
            operation["security"].append({})  # public when ORDO_STATUS_PUBLIC=true
    model = SUCCESS_MODELS.get(op_id)
    if model is not None and "200" in responses:
        content = responses["200"].setdefault("content", {})
        content["application/json"] = {"schema": refs[model.__name__]}
    error_schema: dict[str, Any] = refs["ErrorEnvelope"]
    if op_id in FANOUT_READS | ORDER_WRITES:
        # A global refusal (token, validation) is one error; failed legs come back per account.
        error_schema = {"anyOf": [refs["ErrorEnvelope"], refs["FanoutError"]]}
    for status in sorted(_error_statuses(op_id, operation, secured)):
        description, code, message = ERRORS[status]
        responses[str(status)] = {
            "description": description,
            "content": {
                "application/json": {
                    "schema": error_schema,
                    "example": {
                        "status": "error",
                        "request_id": "3f2a9c1e5b7d4e0f8a6b2c4d1e3f5a7b",
                        "error_code": code,
                        "message": message,
                        "details": None,
                    },
                }
            },
        }
    if op_id in FANOUT_READS | ORDER_WRITES:
        fanout_schema = refs.get(model.__name__) if model is not None else None
        if fanout_schema is None:
            fanout_schema = (
                responses.get("200", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", refs["FanoutError"])
            )
        responses["207"] = {
            "description": "Some accounts succeeded, some did not: see each result",
            "content": {"application/json": {"schema": fanout_schema}},
        }
        if op_id in ORDER_WRITES:
            responses["202"] = {
                "description": "No account's outcome could be confirmed yet: look the order "
                "up by its tag or GET /api/v1/requests/{request_id} before resending",
                "content": {"application/json": {"schema": refs["FanoutError"]}},
            }


def _error_statuses(op_id: str, operation: dict[str, Any], secured: set[str]) -> set[int]:
    params = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses: set[int] = set()
    if op_id in secured:
        statuses.add(401)
    if params or has_body:
        statuses.add(422)
    if has_body:
        statuses |= {400, 415}
    in_path = {p.get("name") for p in params if p.get("in") == "path"}
    in_query = {p.get("name") for p in params if p.get("in") == "query"}
    if in_path or "accounts" in in_query or op_id in {"get_request", "place_order"}:
        statuses.add(404)
    if op_id in BROKER_CALLS:
        statuses |= {401, 403, 429, 502, 503, 504}
    if op_id in ORDER_WRITES:
        statuses |= {403, 409}
    if op_id in {"place_order", "modify_order", "exit_positions"}:
        statuses.add(423)
    if op_id in {"answer_challenge", "resend_challenge"}:
        statuses.add(410)
    return statuses
