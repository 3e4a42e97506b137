"""Algo metadata on API tokens (issue 17, point 9): a token's ``algo_name``/``algo_id`` is on
every ledger leg and audit line of its orders and reaches a broker that has a field for it;
a token without metadata leaves no trace of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ordo.adapters.capabilities import Capability
from ordo.audit.files import audit_files
from ordo.config import (
    AccountConfig,
    ApiTokenEntry,
    ConfigError,
    api_token_table,
    hash_token,
    load_settings,
    token_algo,
)
from ordo.domain.algo import AlgoTag
from ordo.domain.ledger import LegState
from ordo.persistence import Database
from ordo.persistence.db import add_missing_columns
from ordo.persistence.ledger import leg_values
from ordo_testing.server import InProcessGateway, gateway_in_process
from pydantic import ValidationError
from sqlalchemy import Connection, text

mock = pytest.importorskip("ordo_adapter_mock")

ALGO_TOKEN = "algo-token-3c51e0d9aa"
PLAIN_TOKEN = "plain-token-9e07b4f2c1"
MOMENTUM = AlgoTag("momentum v2", "NSE-ALGO-7781")
BUY = {
    "accounts": ["paper"],
    "exchange": "NSE",
    "symbol": "SBIN",
    "side": "BUY",
    "quantity": 1,
    "order_type": "LIMIT",
    "price": "400",
    "product": "CNC",
}


def settings_for(tmp_path: Path) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_tokens=[
            {
                "name": "momentum",
                "sha256": hash_token(ALGO_TOKEN),
                "algo_name": MOMENTUM.name,
                "algo_id": MOMENTUM.id,
            },
            {"name": "desk", "token": PLAIN_TOKEN},
        ],
        accounts={"paper": AccountConfig(adapter="mock", settings={"seed": 4})},
    )


async def place(gw: InProcessGateway, token: str, request_id: str) -> str:
    response = await gw.client.post(
        "/api/v1/orders",
        json=BUY,
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    [leg] = response.json()["results"]
    order_id: str = leg["data"]["order_id"]
    return order_id


def file_lines(tmp_path: Path, request_id: str) -> list[dict[str, Any]]:
    lines = [
        json.loads(line)
        for f in audit_files(tmp_path / "audit" / "audit.jsonl")
        for line in f.read_text(encoding="utf-8").splitlines()
        if line
    ]
    return [line for line in lines if line.get("request_id") == request_id]


# -- configuration -------------------------------------------------------------------------


def test_a_token_may_carry_algo_metadata(tmp_path: Path, clean_ordo_env: None) -> None:
    table = api_token_table(settings_for(tmp_path))
    assert token_algo(table, "momentum") == MOMENTUM
    assert token_algo(table, "desk") is None
    assert token_algo(table, "ghost") is None
    only_id = ApiTokenEntry(name="x", token="t" * 12, algo_id="A1")
    assert only_id.algo() == AlgoTag(None, "A1")
    assert MOMENTUM.payload() == {"name": "momentum v2", "id": "NSE-ALGO-7781"}
    assert AlgoTag(None, "A1").payload() == {"id": "A1"}
    with pytest.raises(ValueError, match="name or an id"):
        AlgoTag()


@pytest.mark.parametrize(
    ("field", "value"),
    [("algo_name", ""), ("algo_name", " lead"), ("algo_id", "x" * 65), ("algo_id", "a\nb")],
)
def test_bad_algo_metadata_is_refused_naming_the_field(
    tmp_path: Path, clean_ordo_env: None, field: str, value: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        ApiTokenEntry.model_validate({"name": "bot", "token": "t" * 12, field: value})
    config = tmp_path / "ordo.yaml"
    config.write_text(
        f"api_tokens:\n  - name: bot\n    token: tttttttttttt\n    {field}: {json.dumps(value)}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=field):
        load_settings(config, data_dir=tmp_path)


# -- through the gateway -------------------------------------------------------------------


async def test_ledger_audit_and_broker_carry_the_tokens_algo(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    async with gateway_in_process(settings_for(tmp_path)) as gw:
        broker = gw.runtime.accounts.get("paper").adapter.broker  # type: ignore[attr-defined]
        broker.set_price("NSE:SBIN", "500")
        algo_order = await place(gw, ALGO_TOKEN, "rq-algo")
        plain_order = await place(gw, PLAIN_TOKEN, "rq-plain")
        auth = {"Authorization": f"Bearer {PLAIN_TOKEN}"}
        traces = {
            rid: (await gw.client.get(f"/api/v1/requests/{rid}", headers=auth)).json()
            for rid in ("rq-algo", "rq-plain")
        }
        pages = {
            rid: (
                await gw.client.get("/api/v1/audit", params={"request_id": rid}, headers=auth)
            ).json()
            for rid in ("rq-algo", "rq-plain")
        }
        detail = (await gw.client.get(f"/api/v1/orders/paper/{algo_order}", headers=auth)).json()

    # The ledger leg.
    [algo_leg] = traces["rq-algo"]["data"]["legs"]
    assert (algo_leg["algo_name"], algo_leg["algo_id"]) == ("momentum v2", "NSE-ALGO-7781")
    [plain_leg] = traces["rq-plain"]["data"]["legs"]
    assert (plain_leg["algo_name"], plain_leg["algo_id"]) == (None, None)
    assert detail["data"]["ledger"]["algo_id"] == "NSE-ALGO-7781"

    # Every audit line of the algo's request, in the database and in the file.
    events = pages["rq-algo"]["data"]["events"]
    kinds = {e["kind"] for e in events}
    assert {"api.request", "broker.request", "order.outcome", "api.response"} <= kinds
    assert all(e["payload"]["algo"] == MOMENTUM.payload() for e in events)
    lines = file_lines(tmp_path, "rq-algo")
    assert len(lines) == len(events)
    assert all(line["payload"]["algo"] == MOMENTUM.payload() for line in lines)
    # None for the token without metadata.
    assert pages["rq-plain"]["data"]["events"]
    assert all("algo" not in e["payload"] for e in pages["rq-plain"]["data"]["events"])
    assert all("algo" not in line["payload"] for line in file_lines(tmp_path, "rq-plain"))

    # The paper broker has an algo field: the metadata arrived with the order, and only
    # with the algo token's order.
    assert broker.algos == {algo_order: MOMENTUM}
    assert plain_order not in broker.algos


async def test_a_broker_without_an_algo_field_gets_the_plain_order(
    tmp_path: Path, clean_ordo_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        mock.MockAdapter, "capabilities", frozenset(Capability) - {Capability.ALGO_ID}
    )
    async with gateway_in_process(settings_for(tmp_path)) as gw:
        broker = gw.runtime.accounts.get("paper").adapter.broker  # type: ignore[attr-defined]
        broker.set_price("NSE:SBIN", "500")
        await place(gw, ALGO_TOKEN, "rq-algo")
        trace = (
            await gw.client.get(
                "/api/v1/requests/rq-algo", headers={"Authorization": f"Bearer {ALGO_TOKEN}"}
            )
        ).json()
    assert broker.calls.count("place_order") == 1
    assert broker.algos == {}
    # Ordo's own records still say which algo placed it.
    [leg] = trace["data"]["legs"]
    assert leg["algo_name"] == "momentum v2"


# -- storage on both backends -------------------------------------------------------------


async def test_a_leg_stores_the_algo_on_both_backends(database: Database) -> None:
    await database.create_all()
    with_algo = leg_values(
        request_id="r1",
        account="paper",
        adapter="mock",
        request={},
        broker_tag="T1",
        state=LegState.SENT,
        algo=MOMENTUM,
    )
    without = leg_values(
        request_id="r2",
        account="paper",
        adapter="mock",
        request={},
        broker_tag="T2",
        state=LegState.SENT,
    )
    await database.transact(lambda s: (s.add_leg(with_algo), s.add_leg(without)))
    found = await database.transact(lambda s: s.legs_by_tags(["T1", "T2"]))
    [first], [second] = found["T1"], found["T2"]
    assert (first.algo_name, first.algo_id) == ("momentum v2", "NSE-ALGO-7781")
    assert (second.algo_name, second.algo_id) == (None, None)
    assert first.describe()["algo_id"] == "NSE-ALGO-7781"


async def test_an_older_ledger_gains_the_algo_columns(database: Database) -> None:
    """A database an older Ordo created (no algo columns) gets them at start-up."""

    def drop(conn: Connection) -> None:
        for column in ("algo_name", "algo_id"):
            conn.execute(text(f'ALTER TABLE ledger_entries DROP COLUMN "{column}"'))

    await database.run(drop)
    assert await database.run(lambda c: add_missing_columns(c)) == [
        "ledger_entries.algo_name",
        "ledger_entries.algo_id",
    ]
    values = leg_values(
        request_id="r1",
        account="paper",
        adapter="mock",
        request={},
        broker_tag="T9",
        state=LegState.SENT,
        algo=MOMENTUM,
    )
    await database.transact(lambda s: s.add_leg(values))
    [leg] = (await database.transact(lambda s: s.legs_by_tags(["T9"])))["T9"]
    assert leg.algo_id == "NSE-ALGO-7781"
