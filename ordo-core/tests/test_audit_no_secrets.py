"""After a run that logs in with an OTP and trades, no secret appears in the audit file, the
audit rows in the database, the log output or any metrics label."""

from __future__ import annotations

import json
from pathlib import Path

from loguru import logger
from ordo.audit.files import audit_files, read_text
from ordo.config import AccountConfig, load_settings
from ordo.logs import install_logging
from ordo.persistence import AuditRepository
from ordo_testing.server import gateway_in_process

API_TOKEN = "api-tok-Q8d7Zk2LmP4x"
OTP = "otp-5V7Kx9Qa"
BUY = {"exchange": "NSE", "symbol": "SBIN", "side": "BUY", "quantity": 1, "accounts": ["otp"]}


async def test_no_secret_anywhere_after_login_and_trading(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        data_dir=tmp_path,
        api_tokens=[{"name": "desk", "token": API_TOKEN}],
        log_level="DEBUG",
        accounts={"otp": AccountConfig(adapter="mock", settings={"login_otp": OTP})},
    )
    logs: list[str] = []
    async with gateway_in_process(settings, token=API_TOKEN) as gw:
        runtime = gw.runtime
        handler = install_logging("DEBUG", secrets=runtime.emitter.secrets.values, sink=logs.append)
        try:
            begun = (await gw.client.post("/api/v1/accounts/otp/login")).json()
            challenge = begun["data"]["challenge"]["challenge_id"]
            url = f"/api/v1/accounts/otp/login/{challenge}"
            wrong = await gw.client.post(url, json={"answer": "wrong-1"})
            assert wrong.json()["error_code"] == "WRONG_ANSWER"
            right = await gw.client.post(url, json={"answer": OTP})
            assert right.json()["data"]["state"] == "active", right.json()
            session = runtime.accounts.get("otp").adapter.session
            assert session is not None
            access = session.access_token.get_secret_value()
            refresh = session.refresh_token.get_secret_value() if session.refresh_token else None

            placed = await gw.client.post("/api/v1/orders", json=BUY)
            assert placed.json()["status"] == "success", placed.json()
            order_id = placed.json()["results"][0]["data"]["order_id"]
            await gw.client.get("/api/v1/orders", params={"accounts": "otp"})
            await gw.client.get("/api/v1/positions")
            await gw.client.get(f"/api/v1/orders/otp/{order_id}")
            await gw.client.get("/api/v1/funds", params={"accounts": "otp", "token": API_TOKEN})
            # Code that carelessly logs a secret still cannot leak it.
            logger.info("careless: otp={} access={} bearer {}", OTP, access, API_TOKEN)
            metrics = (await gw.client.get("/metrics")).text
            await runtime.observability.db_sink.flush()
            async with runtime.db.session() as s:
                rows = (await AuditRepository(s).query(limit=1000)).items
        finally:
            logger.remove(handler)

    secrets = [s for s in (API_TOKEN, OTP, access, refresh) if s]
    audit_text = "".join(read_text(p) for p in audit_files(tmp_path / "audit" / "audit.jsonl"))
    db_text = json.dumps([r.model_dump(mode="json") for r in rows])
    log_text = "".join(logs)
    assert "login.step" in audit_text
    assert "order.outcome" in audit_text
    assert len(rows) > 10
    assert "careless" in log_text
    assert "***" in log_text
    assert 'path="/api/v1/funds"' not in metrics  # labels are route templates
    for secret in secrets:
        assert secret not in audit_text
        assert secret not in db_text
        assert secret not in log_text
        assert secret not in metrics
