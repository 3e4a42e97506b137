"""A bearer token in the URL is refused with its own error code and never recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordo.audit.files import audit_files, read_text
from ordo.audit.redaction import redact_text
from ordo.config import hash_token, load_settings
from ordo_testing.server import InProcessGateway, gateway_in_process

from .conftest import TOKEN, GatewayFactory


@pytest.mark.parametrize(
    "params",
    [{"token": TOKEN}, {"access_token": TOKEN}, {"accounts": TOKEN}, {"api_token": "whatever-1"}],
)
async def test_token_in_query_is_refused_and_never_audited(
    make_gateway: GatewayFactory, tmp_path: Path, params: dict[str, str]
) -> None:
    async with make_gateway() as gw:
        reply = await gw.client.get("/api/v1/funds", params=params)
    body = reply.json()
    assert reply.status_code == 401
    assert body["status"] == "error"
    assert body["error_code"] == "TOKEN_IN_QUERY"
    assert "Authorization: Bearer" in body["message"]
    assert body["request_id"] == reply.headers["x-request-id"]
    assert TOKEN not in reply.text
    audit = "".join(read_text(p) for p in audit_files(tmp_path / "audit" / "audit.jsonl"))
    assert '"api.request"' in audit
    assert '"status":401' in audit.replace(" ", "")
    assert TOKEN not in audit


async def test_ordinary_query_parameters_pass(paper: InProcessGateway) -> None:
    reply = await paper.client.get("/api/v1/funds", params={"accounts": "paper"})
    assert reply.status_code == 200, reply.json()


async def test_a_token_configured_by_hash_is_redacted_once_presented(tmp_path: Path) -> None:
    token = "hashed-only-token-7a6b5c4d"
    settings = load_settings(
        None, data_dir=tmp_path, api_tokens=[{"name": "desk", "sha256": hash_token(token)}]
    )
    async with gateway_in_process(settings, token=token) as gw:
        ordered = gw.runtime.emitter.secrets.forms()
        assert token not in ordered  # only its digest is configured
        assert (await gw.client.get("/api/v1/accounts")).status_code == 200
        ordered = gw.runtime.emitter.secrets.forms()
        assert redact_text(f"careless {token}", ordered) == "careless ***"
