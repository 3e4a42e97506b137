"""How the remote commands show things: times in IST to the second, tables that fit an
80-column terminal, and one line per account that could not do its part.

Light on purpose (no server imports): ``ordo --help`` loads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

IST = timezone(timedelta(hours=5, minutes=30), "IST")
"""Indian Standard Time (no daylight saving), the zone traders read times in."""
TABLE_WIDTH = 80
WHOLE_WIDTH = len("2026-01-30 09:15:02")


def ist(moment: datetime | str | None, *, zone_name: bool = True) -> str:
    """``moment`` in IST to the second (``2026-01-30 09:15:02 IST``); ``-`` when unknown.
    ISO 8601 strings are parsed; a naive time is taken as UTC, as the server sends it.
    Table cells leave the zone name out (``zone_name=False``): the title says IST."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        text = moment
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
    return f"{shown} IST" if zone_name else shown


def ist_cell(moment: datetime | str | None) -> str:
    """``ist`` for a table whose title names the zone."""
    return ist(moment, zone_name=False)


def table(title: str, columns: Iterable[str], *, whole: Iterable[str] = ()) -> Table:
    """A table that wraps its cells rather than growing past 80 columns; cells of the
    columns in ``whole`` (times, ids) are never split, the others fold instead."""
    keep = set(whole)
    shown = Table(title=title, box=box.SIMPLE_HEAD, expand=False)
    for column in columns:
        shown.add_column(column, overflow="fold", min_width=WHOLE_WIDTH if column in keep else None)
    return shown


def print_table(shown: Table) -> None:
    Console(width=TABLE_WIDTH, highlight=False, soft_wrap=False).print(shown)


def reason(leg: Any) -> str:
    """One account's failure as ``account: CODE message`` (the broker's words included)."""
    code = getattr(leg, "error_code", None) or "ERROR"
    message = getattr(leg, "message", "") or ""
    return f"{leg.account}: {code} {message}".rstrip()


def print_failures(legs: Iterable[Any], *, heading: str = "") -> int:
    """Print each failed or undecided account's reason on stderr; how many there were."""
    out = Console(stderr=True, highlight=False, soft_wrap=True)
    count = 0
    for leg in legs:
        if count == 0 and heading:
            out.print(heading, markup=False)
        status = getattr(getattr(leg, "status", None), "value", "")
        prefix = "unknown outcome, " if status == "unknown" else ""
        out.print(f"{prefix}{reason(leg)}", markup=False)
        count += 1
    return count
