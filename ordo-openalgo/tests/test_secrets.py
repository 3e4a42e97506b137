"""The apikey never reaches the audit trail or the log, wherever the client puts it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .conftest import APIKEY, Facade


def test_the_apikey_is_never_written(facade: Facade, capfd: pytest.CaptureFixture[str]) -> None:
    facade.post(
        "placeorder",
        {"apikey": APIKEY, "symbol": "SBIN", "action": "BUY", "exchange": "NSE", "quantity": "1"},
    )
    httpx.get(f"{facade.base}/api/v1/funds", params={"apikey": APIKEY})
    # A key in a field Ordo does not expect, and in a rejected body, are redacted by value.
    facade.post("funds", {"apikey": APIKEY, "note": f"key={APIKEY}"})
    facade.post("placeorder", {"apikey": APIKEY, "symbol": APIKEY})
    audit = Path(facade.data_dir / "audit" / "audit.jsonl").read_text(encoding="utf-8")
    assert "placeorder" in audit
    assert "openalgo" in audit
    assert APIKEY not in audit
    out, err = capfd.readouterr()
    assert APIKEY not in out + err
