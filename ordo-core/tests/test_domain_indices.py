"""Unified index symbols: every broker's name for an index maps to one symbol."""

from __future__ import annotations

import pytest
from ordo.domain import Exchange, unified_index_symbol


@pytest.mark.parametrize(
    ("exchange", "broker_name", "unified"),
    [
        (Exchange.NSE_INDEX, "NIFTY50", "NIFTY"),  # Fyers NSE:NIFTY50-INDEX
        (Exchange.NSE_INDEX, "NIFTY50-INDEX", "NIFTY"),
        (Exchange.NSE_INDEX, "NIFTY 50", "NIFTY"),  # m.Stock, HDFC
        (Exchange.NSE_INDEX, "Nifty 50", "NIFTY"),
        (Exchange.NSE_INDEX, "NIFTYBANK", "BANKNIFTY"),  # Fyers
        (Exchange.NSE_INDEX, "NIFTY BANK", "BANKNIFTY"),  # m.Stock, HDFC
        (Exchange.NSE_INDEX, "BANKNIFTY", "BANKNIFTY"),
        (Exchange.NSE_INDEX, "Nifty Fin Service", "FINNIFTY"),
        (Exchange.BSE_INDEX, "SENSEX", "SENSEX"),
        (Exchange.BSE_INDEX, "S&P BSE SENSEX", "SENSEX"),
        (Exchange.NSE_INDEX, "NIFTY IT", "NIFTYIT"),  # unknown: the name without spaces
    ],
)
def test_broker_names_map_to_the_unified_symbol(
    exchange: Exchange, broker_name: str, unified: str
) -> None:
    assert unified_index_symbol(exchange, broker_name) == unified


def test_an_alias_of_one_exchange_does_not_leak_into_the_other() -> None:
    assert unified_index_symbol(Exchange.BSE_INDEX, "NIFTY 50") == "NIFTY50"
