"""Pure conversions between m.Stock trading symbols and Ordo's unified symbology.

The Type A scrip master uses the exchanges' own derivative symbols (``NIFTY25JANFUT``,
weekly ``NIFTY2513021500CE``), parsed by ``ordo.domain.exchange_symbols``. Ordo's unified
symbol always carries the expiry day, which a monthly symbol lacks, so the master's
``expiry`` column is the authority and parsing a broker symbol is only the fallback.
"""

from __future__ import annotations

import re

from ordo.domain import Exchange, unified_index_symbol

BROKER_EXCHANGES: dict[str, Exchange] = {
    "NSE": Exchange.NSE,
    "BSE": Exchange.BSE,
    "NFO": Exchange.NFO,
    "BFO": Exchange.BFO,
    "MCX": Exchange.MCX,
    "CDS": Exchange.CDS,
}
"""m.Stock exchange codes (orders and quotes) -> unified exchange."""

INDEX_EXCHANGES = {Exchange.NSE: Exchange.NSE_INDEX, Exchange.BSE: Exchange.BSE_INDEX}
BROKER_EXCHANGE_OF: dict[Exchange, str] = {
    **{unified: code for code, unified in BROKER_EXCHANGES.items()},
    Exchange.NSE_INDEX: "NSE",
    Exchange.BSE_INDEX: "BSE",
}
"""Unified exchange -> the code m.Stock expects in ``exchange`` and in ``i=EXCH:SYMBOL``."""


def equity_symbol(tradingsymbol: str) -> str:
    """``ACC-EQ`` and ``ACC`` are both the unified ``ACC``; other series (``-BE``) keep
    their suffix so they stay distinct instruments."""
    text = tradingsymbol.strip().upper()
    return text[:-3] if text.endswith("-EQ") else text


def index_symbol(tradingsymbol: str) -> str:
    """``NIFTY 50`` -> ``NIFTY50``: unified symbols hold no spaces."""
    return re.sub(r"[^A-Z0-9&_\-.]", "", tradingsymbol.strip().upper())


def unified_index(exchange: Exchange, tradingsymbol: str) -> str:
    """m.Stock's index name as the unified index symbol (``NIFTY 50`` -> ``NIFTY``,
    ``NIFTY BANK`` -> ``BANKNIFTY``), the same on every adapter."""
    return unified_index_symbol(exchange, tradingsymbol)


def fallback_symbol(exchange: Exchange, tradingsymbol: str) -> str:
    """The best unified symbol when the master does not know a broker symbol (an order or
    position of an instrument that has since expired)."""
    if exchange in (Exchange.NSE, Exchange.BSE):
        return equity_symbol(tradingsymbol)
    if exchange in (Exchange.NSE_INDEX, Exchange.BSE_INDEX):
        return unified_index(exchange, tradingsymbol)
    return tradingsymbol.strip().upper()
