"""Translations between OpenAlgo's vocabulary and Ordo's, both ways, and the config model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from ordo.domain import Exchange, OrderStatus, OrderType, Product
from ordo_openalgo import translate
from ordo_openalgo.alerts import AlertWindow
from ordo_openalgo.config import OpenAlgoConfig
from ordo_openalgo.errors import FacadeError
from pydantic import ValidationError


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_status_has_an_openalgo_word(status: OrderStatus) -> None:
    word = translate.status_to_openalgo(status)
    assert word in {"open", "trigger pending", "complete", "cancelled", "rejected"}
    back = translate.status_from_openalgo(word)
    # Round trip lands on the same word (several Ordo states share "open" and "cancelled").
    assert translate.status_to_openalgo(back) == word


def test_status_words() -> None:
    assert translate.status_to_openalgo(OrderStatus.FILLED) == "complete"
    assert translate.status_to_openalgo(OrderStatus.TRIGGER_PENDING) == "trigger pending"
    assert translate.status_from_openalgo("Complete") is OrderStatus.FILLED
    with pytest.raises(FacadeError, match="unknown order status"):
        translate.status_from_openalgo("done")


def test_timestamps_are_indian_time_both_ways() -> None:
    moment = datetime(2024, 11, 28, 4, 29, 10, tzinfo=UTC)
    text = translate.timestamp_to_openalgo(moment)
    assert text == "28-Nov-2024 09:59:10"
    assert translate.timestamp_from_openalgo(text) == moment
    assert translate.timestamp_to_openalgo(None) == ""
    with pytest.raises(FacadeError):
        translate.timestamp_from_openalgo("2024-11-28T09:59:10")


def test_expiries_both_ways() -> None:
    assert translate.expiry_to_openalgo(date(2025, 1, 30)) == "30-JAN-25"
    assert translate.expiry_from_openalgo("30-JAN-25") == date(2025, 1, 30)


def test_exchanges_products_price_types() -> None:
    assert translate.exchange(" nfo ") is Exchange.NFO
    assert translate.exchange("NSE_INDEX") is Exchange.NSE_INDEX
    for missing in ("BCD", "NCDEX", "MCX_INDEX"):
        with pytest.raises(FacadeError, match=f"exchange {missing} is not available in Ordo"):
            translate.exchange(missing)
    assert translate.product("mis") is Product.MIS
    assert translate.price_type("sl-m") is OrderType.SL_M
    with pytest.raises(FacadeError, match="unknown pricetype"):
        translate.price_type("STOP")


def test_the_alert_window_reuses_a_key_within_its_span_only() -> None:
    now = [100.0]
    window = AlertWindow(30, clock=lambda: now[0], wall=lambda: 1.0)
    first = window.key(0, "abc")
    assert first is not None
    now[0] = 129.0
    assert window.key(0, "abc") == first
    assert window.key(1, "abc") != first  # another facade key
    assert window.key(0, "abd") != first  # another body
    assert AlertWindow(0).key(0, "abc") is None


def test_the_alert_window_forgets_after_its_span() -> None:
    now = [100.0]
    wall = [1.0]
    window = AlertWindow(30, clock=lambda: now[0], wall=lambda: wall[0])
    first = window.key(0, "abc")
    now[0], wall[0] = 131.0, 32.0
    assert window.key(0, "abc") != first


def _config(**key: Any) -> dict[str, Any]:
    return {"keys": [{"apikey": "k" * 16, "accounts": ["paper"], **key}]}


def test_config_defaults_and_checks() -> None:
    config = OpenAlgoConfig.model_validate(_config())
    assert (config.prefix, config.duplicate_window_seconds) == ("/openalgo", 30.0)
    assert config.keys[0].token == "default"
    assert "k" * 16 not in repr(config)
    for bad, problem in [
        (_config(apikey="short"), "at least 16 characters"),
        (_config(accounts=["Paper"]), "not an Ordo account name"),
        (_config(accounts=[]), "at least 1 item"),
        ({**_config(), "prefix": "/api/x"}, "not /api"),
        ({"keys": _config()["keys"] * 2}, "same apikey"),
        ({**_config(), "extra": 1}, "Extra inputs"),
    ]:
        with pytest.raises(ValidationError, match=problem):
            OpenAlgoConfig.model_validate(bad)
