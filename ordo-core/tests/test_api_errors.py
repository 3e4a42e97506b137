"""Error paths that need special set-ups: unsupported capability, an internal error,
login challenges through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from fastapi import APIRouter
from ordo import Capability, hookimpl
from ordo.config import AccountConfig, load_settings
from ordo.plugins import create_plugins
from ordo_adapter_mock.adapter import MockAdapter
from ordo_testing.server import gateway_in_process

TOKEN = "test-token-1234567890"


class NoModifyAdapter(MockAdapter):
    """The paper broker without MODIFY_ORDER and STOP_ORDERS."""

    id: ClassVar[str] = "nomodify"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability) - {
        Capability.MODIFY_ORDER,
        Capability.STOP_ORDERS,
    }


class TestPlugin:
    __name__ = "test_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(NoModifyAdapter)

    @hookimpl
    def register_routes(self) -> list[APIRouter]:
        router = APIRouter()

        @router.get("/boom")
        async def boom() -> None:
            raise RuntimeError("secret internals")

        return [router]


def _settings(tmp_path: Path, **accounts: dict[str, Any]) -> Any:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={n: AccountConfig(**c) for n, c in accounts.items()},
    )


async def test_unsupported_capability_and_internal_error(tmp_path: Path) -> None:
    plugins = create_plugins(allow="mock", extra_plugins=[TestPlugin()])
    settings = _settings(tmp_path, limited={"adapter": "nomodify"})
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        response = await gw.client.patch("/api/v1/orders/limited/X1", json={"price": "10"})
        body = response.json()
        assert response.status_code == 422, body
        assert body["results"][0]["error_code"] == "CAPABILITY_NOT_SUPPORTED"

        stop = await gw.client.post(
            "/api/v1/orders",
            json={
                "accounts": ["limited"],
                "exchange": "NSE",
                "symbol": "SBIN",
                "side": "SELL",
                "quantity": 1,
                "order_type": "SL-M",
                "trigger_price": "500",
            },
        )
        assert stop.json()["results"][0]["error_code"] == "CAPABILITY_NOT_SUPPORTED"

        boom = await gw.client.get("/api/v1/boom")
        body = boom.json()
        assert boom.status_code == 500
        assert body["error_code"] == "INTERNAL_ERROR"
        assert "secret internals" not in body["message"]
        assert body["request_id"] in body["message"]


async def test_otp_login_through_the_api(tmp_path: Path) -> None:
    settings = _settings(tmp_path, otp={"adapter": "mock", "settings": {"login_otp": "246810"}})
    async with gateway_in_process(settings, token=TOKEN) as gw:
        rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
        assert rows[0]["session_state"] == "none"
        funds = (await gw.client.get("/api/v1/funds")).json()
        assert funds["results"][0]["error_code"] == "SESSION_EXPIRED"
        assert "otp" in funds["results"][0]["message"]

        begun = (await gw.client.post("/api/v1/accounts/otp/login")).json()
        assert begun["data"]["state"] == "pending_challenge"
        challenge = begun["data"]["challenge"]
        assert challenge["kind"] == "otp"
        rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
        assert rows[0]["session_state"] == "pending_challenge"

        wrong = await gw.client.post(
            f"/api/v1/accounts/otp/login/{challenge['challenge_id']}", json={"answer": "111111"}
        )
        assert wrong.status_code == 422
        assert wrong.json()["error_code"] == "WRONG_ANSWER"
        assert wrong.json()["details"]["attempts_left"] == 2

        right = await gw.client.post(
            f"/api/v1/accounts/otp/login/{challenge['challenge_id']}", json={"answer": "246810"}
        )
        assert right.json()["data"]["state"] == "active"
        rows = (await gw.client.get("/api/v1/accounts")).json()["data"]
        assert rows[0]["session_state"] == "active"

        again = await gw.client.post(
            f"/api/v1/accounts/otp/login/{challenge['challenge_id']}", json={"answer": "246810"}
        )
        assert again.json()["error_code"] == "CHALLENGE_NOT_FOUND"

        out = (await gw.client.delete("/api/v1/accounts/otp/session")).json()
        assert out["data"]["state"] == "none"


class CrashingAdapter(MockAdapter):
    """The paper broker with a bug: place_order books the order, then crashes."""

    id: ClassVar[str] = "crashing"

    async def place_order(self, order: Any, tag: str) -> Any:
        await super().place_order(order, tag)
        raise RuntimeError("adapter bug after sending")


class CrashPlugin:
    __name__ = "crash_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(CrashingAdapter)


async def test_a_crashing_leg_is_unknown_and_the_others_still_report(tmp_path: Path) -> None:
    plugins = create_plugins(allow="mock", extra_plugins=[CrashPlugin()])
    settings = _settings(tmp_path, good={"adapter": "mock"}, buggy={"adapter": "crashing"})
    async with gateway_in_process(settings, token=TOKEN, plugins=plugins) as gw:
        order = {
            "accounts": ["good", "buggy"],
            "exchange": "NSE",
            "symbol": "SBIN",
            "side": "BUY",
            "quantity": 1,
        }
        headers = {"Idempotency-Key": "crash-1"}
        response = await gw.client.post("/api/v1/orders", json=order, headers=headers)
        body = response.json()
        assert response.status_code == 207, body
        legs = {r["account"]: r for r in body["results"]}
        assert legs["good"]["status"] == "success"
        assert legs["buggy"]["status"] == "unknown"
        assert legs["buggy"]["error_code"] == "INTERNAL_ERROR"
        # Not final: the same key runs again, and the booked order is found by its tag.
        again = (await gw.client.post("/api/v1/orders", json=order, headers=headers)).json()
        legs = {r["account"]: r for r in again["results"]}
        assert legs["buggy"]["status"] == "success"
        assert legs["buggy"]["data"]["reconciled"] is True
        buggy = gw.runtime.accounts.get("buggy").adapter
        good = gw.runtime.accounts.get("good").adapter
        assert len(buggy.broker.orders()) == 1  # type: ignore[attr-defined]
        assert len(good.broker.orders()) == 1  # type: ignore[attr-defined]
