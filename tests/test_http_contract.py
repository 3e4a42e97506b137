"""HTTP details the contract promises: OPTIONS, HEAD, 405 with the full Allow header, 415
for bodies that are not JSON, strict query parameters, and an OpenAPI document with a
bearer scheme, error responses and typed data for every operation."""

from __future__ import annotations

from typing import Any

import pytest
from ordo_testing.server import InProcessGateway

OPERATIONS = {"get", "post", "put", "patch", "delete"}


async def test_options_lists_every_method_of_the_path(paper: InProcessGateway) -> None:
    reply = await paper.client.options("/api/v1/kill-switch")
    assert reply.status_code == 204
    assert reply.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    order = await paper.client.options("/api/v1/orders/paper/PB1")
    assert order.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"


async def test_head_answers_like_get_without_a_body(paper: InProcessGateway) -> None:
    get = await paper.client.get("/api/v1/accounts")
    head = await paper.client.head("/api/v1/accounts")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_unsupported_method_is_405_with_the_full_allow(paper: InProcessGateway) -> None:
    reply = await paper.client.put("/api/v1/kill-switch", json={"reason": "x"})
    body = reply.json()
    assert reply.status_code == 405
    assert reply.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    assert body["error_code"] == "METHOD_NOT_ALLOWED"
    assert "PUT is not allowed" in body["message"]


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {}, {"Content-Type": "application/x-www-form-urlencoded"}],
)
async def test_a_body_that_is_not_json_is_415(
    paper: InProcessGateway, headers: dict[str, str]
) -> None:
    reply = await paper.client.post(
        "/api/v1/kill-switch", content=b'{"reason": "x"}', headers=headers
    )
    body = reply.json()
    assert reply.status_code == 415
    assert body["status"] == "error"
    assert body["error_code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "Content-Type: application/json" in body["message"]
    state = (await paper.client.get("/api/v1/kill-switch")).json()["data"]
    assert state["active"] is False  # refused before anything happened


async def test_json_with_charset_is_accepted(paper: InProcessGateway) -> None:
    reply = await paper.client.post(
        "/api/v1/kill-switch",
        content=b'{"reason": "drill"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert reply.status_code == 200, reply.json()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": "0.5"}, "VALIDATION_ERROR"),
        ({"since": "12"}, "VALIDATION_ERROR"),
        ({"cursor": "abc"}, "INVALID_CURSOR"),
    ],
)
async def test_audit_query_parameters_are_strict(
    paper: InProcessGateway, params: dict[str, str], code: str
) -> None:
    reply = await paper.client.get("/api/v1/audit", params=params)
    assert reply.status_code == 422, reply.json()
    assert reply.json()["error_code"] == code
    assert next(iter(params)) in reply.json()["message"]


async def test_audit_since_takes_an_iso_time(paper: InProcessGateway) -> None:
    reply = await paper.client.get("/api/v1/audit", params={"since": "2026-01-30T09:15:00+05:30"})
    assert reply.status_code == 200, reply.json()


async def test_kill_switch_body_is_strict(paper: InProcessGateway) -> None:
    reply = await paper.client.post(
        "/api/v1/kill-switch", json={"reason": "x", "cancel_open_orders": "yes"}
    )
    assert reply.status_code == 422
    assert reply.json()["details"][0]["field"] == "cancel_open_orders"


async def test_document_declares_bearer_auth_errors_and_typed_data(
    paper: InProcessGateway,
) -> None:
    document: dict[str, Any] = (await paper.client.get("/openapi.json")).json()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in OPERATIONS:
                continue
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            if path != "/health":
                assert operation["security"][0] == {"bearerAuth": []}, where
                assert "401" in responses, where
            for status, response in responses.items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    refs = [schema.get("$ref")] + [s["$ref"] for s in schema.get("anyOf", [])]
                    assert "#/components/schemas/ErrorEnvelope" in refs, (where, status)
                    assert response["content"]["application/json"]["example"]["error_code"]
            ok = responses["200"]["content"]
            if "application/json" in ok:
                ref = ok["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                assert "dict_str__Any" not in ref, (where, ref)
            if "requestBody" in operation:
                assert {"400", "415", "422"} <= set(responses), where
    place = document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"409", "423", "429", "503"} <= set(place)
