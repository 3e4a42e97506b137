"""A background thread that writes text lines in order, a chunk at a time.

The audit file sink hands events here in the chain's order: the caller only appends to a
list, and this thread turns them into sealed lines (``render``) and passes those on in
chunks, so neither the sealing (JSON, SHA-256), nor file I/O, nor the logging library's
per-message work runs on the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

DEFAULT_LINGER = 0.05
"""Seconds the thread waits after the first pending line, so lines are written in chunks."""


class LineWriter:
    """Calls ``write(text)`` on its own thread with the lines ``put`` so far, in order.

    ``text`` joins consecutive lines up to about ``chunk_bytes`` (always at least one
    line), so a size-based rotation behind ``write`` still happens close to its limit.
    ``close()`` writes everything pending, then ends the thread. With ``render``, ``put``
    takes any items and this thread turns each batch of them into lines, in order, before
    writing (``render(items)`` returns one line per item).
    """

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        chunk_bytes: int = 16_384,
        linger: float = DEFAULT_LINGER,
        name: str = "ordo-line-writer",
        render: Callable[[list[Any]], list[str]] | None = None,
    ) -> None:
        self._write = write
        self._render = render
        self.chunk_bytes = max(1, chunk_bytes)
        self.linger = linger
        self._pending: list[Any] = []
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, line: Any) -> None:
        """Queue ``line`` (with its newline; or an item for ``render``) after every one
        queued before it."""
        with self._cond:
            if self._closing:
                raise RuntimeError("the line writer is closed")
            self._pending.append(line)
            if len(self._pending) == 1:
                self._cond.notify()

    def close(self) -> None:
        """Write what is pending and end the thread; later ``put`` calls raise."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:
                    return
                if not self._closing and self.linger > 0:
                    # Gather more lines; close() cuts the wait short.
                    self._cond.wait(self.linger)
                lines, self._pending = self._pending, []
            if self._render is not None:
                lines = self._render(lines)
            for text in self._chunks(lines):
                self._write(text)

    def _chunks(self, lines: list[str]) -> list[str]:
        chunks: list[str] = []
        current: list[str] = []
        size = 0
        for line in lines:
            if current and size + len(line) > self.chunk_bytes:
                chunks.append("".join(current))
                current, size = [], 0
            current.append(line)
            size += len(line)
        if current:
            chunks.append("".join(current))
        return chunks
