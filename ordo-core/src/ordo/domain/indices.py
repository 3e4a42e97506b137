"""Unified index symbols: the same name on every adapter (``NSE_INDEX:NIFTY``,
``NSE_INDEX:BANKNIFTY``, ``BSE_INDEX:SENSEX``), whatever the broker calls the index.

Brokers name indices differently (Fyers ``NIFTY50-INDEX``, m.Stock and HDFC ``NIFTY 50``,
``NIFTY BANK``, ``S&P BSE SENSEX``). An adapter passes the broker's name through
``unified_index_symbol`` when it builds an index instrument, and keeps the broker's own
name (or token) as the instrument's ``broker_token``.
"""

from __future__ import annotations

import re

from ordo.domain.enums import Exchange

_NOT_SYMBOL = re.compile(r"[^A-Z0-9&]")

INDEX_ALIASES: dict[Exchange, dict[str, str]] = {
    Exchange.NSE_INDEX: {
        "NIFTY": "NIFTY",
        "NIFTY50": "NIFTY",
        "NIFTYBANK": "BANKNIFTY",
        "BANKNIFTY": "BANKNIFTY",
        "NIFTYFINSERVICE": "FINNIFTY",
        "NIFTYFINANCIALSERVICES": "FINNIFTY",
        "FINNIFTY": "FINNIFTY",
        "NIFTYMIDSELECT": "MIDCPNIFTY",
        "NIFTYMIDCAPSELECT": "MIDCPNIFTY",
        "MIDCPNIFTY": "MIDCPNIFTY",
        "INDIAVIX": "INDIAVIX",
    },
    Exchange.BSE_INDEX: {
        "SENSEX": "SENSEX",
        "S&PBSESENSEX": "SENSEX",
        "BSESENSEX": "SENSEX",
        "BANKEX": "BANKEX",
        "S&PBSEBANKEX": "BANKEX",
        "BSEBANKEX": "BANKEX",
    },
}
"""Broker names (upper case, spaces and punctuation removed) -> the unified symbol."""


def unified_index_symbol(exchange: Exchange, broker_name: str) -> str:
    """The unified symbol of the index a broker calls ``broker_name`` on ``exchange``
    (``NSE_INDEX``/``BSE_INDEX``): a known alias, else the name without spaces."""
    compact = _NOT_SYMBOL.sub("", broker_name.strip().upper().removesuffix("-INDEX"))
    return INDEX_ALIASES.get(exchange, {}).get(compact, compact)
