"""The fake's small symbol master: files in ``fake/data`` served at ``/sym_details/<name>``
exactly as Fyers publishes them (JSON keyed by ticker, header-less CSV)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

MASTER_FILES = ("NSE_CM_sym_master.json", "NSE_FO.csv", "BSE_CM.csv")
"""The files the fake serves; tests and offline users point ``symbol_master_sources`` here."""

# Opening prices of the CSV instruments (the JSON master carries ``previousClose``).
_CSV_PRICES = {
    "NSE:NIFTY25JANFUT": Decimal("23050.00"),
    "NSE:NIFTY25JAN21500CE": Decimal("1600.00"),
    "NSE:NIFTY25JAN21500PE": Decimal("50.00"),
    "NSE:NIFTY2512321500CE": Decimal("1550.00"),
    "NSE:BANKNIFTY25JANFUT": Decimal("49100.00"),
    "BSE:SBIN-A": Decimal("800.50"),
    "BSE:RELIANCE-A": Decimal("1250.00"),
}


@dataclass(frozen=True)
class FakeSymbol:
    ticker: str
    name: str
    fytoken: str
    exchange: int
    segment: int
    inst_type: int
    lot_size: int
    tick: Decimal
    isin: str
    underlying: str
    tradable: bool
    price: Decimal


def master_text(name: str) -> str:
    """The text of one of ``MASTER_FILES``."""
    if name not in MASTER_FILES:
        raise FileNotFoundError(name)
    return resources.files("ordo_adapter_fyers.fake").joinpath("data", name).read_text("utf-8")


def master_path(name: str) -> str:
    """A filesystem path of one of ``MASTER_FILES`` (for ``symbol_master_sources``)."""
    if name not in MASTER_FILES:
        raise FileNotFoundError(name)
    return str(resources.files("ordo_adapter_fyers.fake").joinpath("data", name))


def load_symbols() -> dict[str, FakeSymbol]:
    """Every instrument of the fake's master, keyed by ticker."""
    symbols: dict[str, FakeSymbol] = {}
    for item in json.loads(master_text("NSE_CM_sym_master.json")).values():
        symbols[item["symTicker"]] = FakeSymbol(
            ticker=item["symTicker"],
            name=item["symbolDesc"],
            fytoken=item["fyToken"],
            exchange=int(item["exchange"]),
            segment=int(item["segment"]),
            inst_type=int(item["exInstType"]),
            lot_size=int(item["minLotSize"]),
            tick=Decimal(str(item["tickSize"])),
            isin=item["isin"],
            underlying=item["underSym"],
            # Indices are quoted, never traded.
            tradable=int(item["tradeStatus"]) == 1 and int(item["exInstType"]) != 10,
            price=Decimal(str(item["previousClose"])),
        )
    for name in ("NSE_FO.csv", "BSE_CM.csv"):
        for row in csv.reader(io.StringIO(master_text(name))):
            symbols[row[9]] = FakeSymbol(
                ticker=row[9],
                name=row[1],
                fytoken=row[0],
                exchange=int(row[10]),
                segment=int(row[11]),
                inst_type=int(row[2]),
                lot_size=int(row[3]),
                tick=Decimal(row[4]),
                isin=row[5],
                underlying=row[13],
                tradable=True,
                price=_CSV_PRICES[row[9]],
            )
    return symbols
