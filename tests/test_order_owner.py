"""The order's owner end to end: symbols normalised at the edge, failures before a broker
call final with an actionable code, and a key left in flight by a crash answered promptly
after the restart, still with exactly one broker order."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from ordo import hookimpl
from ordo.api.routes.orders import PlaceOrderBody
from ordo.config import AccountConfig, load_settings
from ordo.domain import OrderRequest
from ordo.domain.ledger import LegState
from ordo.persistence.ledger import leg_values
from ordo.persistence.statements import OrderStatements
from ordo.plugins import create_plugins
from ordo.safety.idempotency import fingerprint
from ordo.safety.tags import order_tag
from ordo_testing.server import InProcessGateway, gateway_in_process

from .conftest import TOKEN, GatewayFactory


def order(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accounts": ["paper"],
        "exchange": "NSE",
        "symbol": "SBIN",
        "side": "BUY",
        "quantity": 1,
        "order_type": "LIMIT",
        "product": "CNC",
        "price": "2000.00",
    }
    body.update(extra)
    return body


def broker_of(gw: InProcessGateway) -> Any:
    return gw.runtime.accounts.get("paper").adapter.broker  # type: ignore[attr-defined]


async def test_a_lowercase_symbol_is_placed_upper_case(paper: InProcessGateway) -> None:
    response = await paper.client.post(
        "/api/v1/orders", json=order(symbol="  sbin "), headers={"Idempotency-Key": "lower-1"}
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["results"][0]["status"] == "success"
    [placed] = broker_of(paper).orders()
    assert placed.symbol == "SBIN"


async def test_a_symbol_with_invalid_characters_is_refused_422(paper: InProcessGateway) -> None:
    response = await paper.client.post(
        "/api/v1/orders", json=order(symbol="sb!n"), headers={"Idempotency-Key": "bad-1"}
    )
    body = response.json()
    assert response.status_code == 422, body
    assert body["error_code"] == "INVALID_SYMBOL"
    assert "sb!n" in body["message"]
    assert broker_of(paper).orders() == []


async def test_an_unknown_symbol_is_a_final_error_not_unknown(paper: InProcessGateway) -> None:
    headers = {"Idempotency-Key": "nosuch-1"}
    first = await paper.client.post(
        "/api/v1/orders", json=order(symbol="NOSUCHSTOCK"), headers=headers
    )
    leg = first.json()["results"][0]
    assert first.status_code == 422, first.json()
    assert (leg["status"], leg["error_code"]) == ("error", "INSTRUMENT_NOT_FOUND")
    again = await paper.client.post(
        "/api/v1/orders", json=order(symbol="NOSUCHSTOCK"), headers=headers
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()


async def test_a_key_in_flight_at_a_crash_is_answered_after_the_restart(
    make_gateway: GatewayFactory,
) -> None:
    key = "crash-restart-1"
    body = order()
    place = PlaceOrderBody.model_validate(body)
    async with make_gateway() as before:
        runtime = before.runtime
        [token] = runtime.tokens
        scope = token.name
        tag = order_tag(scope, key, "paper")

        def in_flight(s: OrderStatements) -> None:
            # A request under way when the process died: its claim, and its leg sent.
            s.claim(
                scope=scope,
                key=key,
                fingerprint=fingerprint("POST", "/api/v1/orders", place.model_dump(mode="json")),
                request_id="rq-crashed",
                ttl=timedelta(hours=24),
                owner=runtime.claims.owner,
            )
            s.add_leg(
                leg_values(
                    request_id="rq-crashed",
                    account="paper",
                    adapter="mock",
                    request=place.order().model_dump(mode="json"),
                    broker_tag=tag,
                    idempotency_scope=scope,
                    idempotency_key=key,
                    state=LegState.SENT,
                )
            )

        await runtime.db.transact(in_flight)
        refused = await before.client.post(
            "/api/v1/orders", json=body, headers={"Idempotency-Key": key}
        )
        assert refused.status_code == 409, refused.json()
    async with make_gateway() as after:
        # The first attempt had reached the broker before the crash.
        broker = broker_of(after)
        await after.runtime.accounts.get("paper").adapter.place_order(place.order(), tag)
        response = await after.client.post(
            "/api/v1/orders", json=body, headers={"Idempotency-Key": key}
        )
        answer = response.json()
        assert response.status_code == 200, answer
        assert answer["results"][0]["data"]["reconciled"] is True
        assert [o.tag for o in broker.orders()] == [tag]


class BrokenCheck:
    """A ``check_order`` plugin with a bug: Ordo's own code fails before any broker call."""

    @hookimpl
    def check_order(self, order: OrderRequest, account: str, context: object) -> None:
        raise ZeroDivisionError("a bug in a check")


async def test_a_bug_before_the_broker_call_is_final_not_unknown(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={"paper": AccountConfig(adapter="mock")},
    )
    plugins = create_plugins(allow="mock", extra_plugins=[BrokenCheck()])
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        headers = {"Idempotency-Key": "bug-1"}
        first = await gw.client.post("/api/v1/orders", json=order(), headers=headers)
        leg = first.json()["results"][0]
        assert first.status_code == 500, first.json()
        assert (leg["status"], leg["error_code"]) == ("error", "INTERNAL_ERROR")
        assert "nothing was sent" in leg["message"]
        assert broker_of(gw).orders() == []
        again = await gw.client.post("/api/v1/orders", json=order(), headers=headers)
        assert again.headers.get("Idempotent-Replayed") == "true"
