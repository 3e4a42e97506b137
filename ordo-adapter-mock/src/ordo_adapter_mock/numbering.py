"""Order and trade numbers of a paper account that never repeat across restarts.

The paper book lives in memory, but the gateway's ledger and event log outlive it: a
restarted paper broker that numbered its orders from 1 again would hand out ids the ledger
already links to yesterday's legs, and the event log (deduplicated on order id, status and
filled quantity) would swallow the new orders' events. So the numbers are allocated in
blocks recorded in the data directory (hi-lo): one small file write per block, none per
order; a crash only skips the rest of a block.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

BLOCK = 10_000
"""Numbers reserved per file write."""


class BlockNumbers(Iterator[int]):
    """1, 2, 3, ... continuing after the highest number any earlier run may have used, as
    recorded in ``path`` (created on first use)."""

    def __init__(self, path: Path, block: int = BLOCK) -> None:
        if block < 1:
            raise ValueError("block must be at least 1")
        self._path = path
        self._block = block
        self._next = self._stored() + 1
        self._reserved = self._next - 1

    def __next__(self) -> int:
        if self._next > self._reserved:
            self._reserve(self._next - 1 + self._block)
        number = self._next
        self._next += 1
        return number

    def _stored(self) -> int:
        try:
            text = self._path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return 0
        if not text.isdigit():
            raise ValueError(f"{self._path}: not a number: {text[:20]!r}")
        return int(text)

    def _reserve(self, up_to: int) -> None:
        # Written before any number of the block is handed out, and atomically: a crash
        # leaves either the old reservation or the new one, never a torn file.
        self._path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._path.with_name(self._path.name + ".tmp")
        partial.write_text(f"{up_to}\n", encoding="ascii")
        os.replace(partial, self._path)
        self._reserved = up_to


def paper_numbers(account_dir: Path) -> tuple[BlockNumbers, BlockNumbers]:
    """The order and trade numbering of the paper account whose data directory (the
    adapter context's ``data_dir``) is ``account_dir``."""
    return (
        BlockNumbers(account_dir / "paper-order-numbers"),
        BlockNumbers(account_dir / "paper-trade-numbers"),
    )
